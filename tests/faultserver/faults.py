"""The ways a page fails: each writes a broken answer (or none) on the request's own connection."""

from __future__ import annotations

import gzip
import io
import random
import socket
import struct
from typing import TYPE_CHECKING

from tests.faultserver.content import BOMB_SIZE, HUGE_SIZE, QA
from tests.faultserver.pages import qa_html

if TYPE_CHECKING:
    from tests.faultserver.handler import FaultHandler

SERVER_ERROR = b"<html><body>Internal Server Error</body></html>"


def gzip_bomb() -> bytes:
    """BOMB_SIZE zero bytes, gzip-compressed (about 64 KB on the wire), built without holding them."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(BOMB_SIZE // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


def reset(h: FaultHandler) -> None:
    """RST instead of FIN: SO_LINGER with a zero timeout, then close."""
    h.note("reset")
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def hang(h: FaultHandler) -> None:
    """Say nothing for ``site.hang`` seconds (or until the server stops), then close."""
    h.note("hang")
    h.site.idle(h.site.hang)
    h.close_connection = True


def truncated(h: FaultHandler) -> None:
    """Half a page, with a Content-Length that promises much more."""
    h.note("truncated")
    body = qa_html(*QA[3]).encode()
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body) + 20000))
    h.end_headers()
    h.wfile.write(body[: len(body) // 2])
    h.wfile.flush()
    h.close_connection = True


def huge(h: FaultHandler) -> None:
    """A 20 MB page, streamed until the client hangs up."""
    h.note("huge")
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(HUGE_SIZE))
    h.end_headers()
    block = b"<p>" + "医保".encode() * 1000 + b"</p>\n"
    sent = 0
    try:
        while sent < HUGE_SIZE:
            piece = block[: HUGE_SIZE - sent]
            h.wfile.write(piece)
            sent += len(piece)
    except OSError:
        pass
    h.close_connection = True


def loop(h: FaultHandler) -> None:
    """loop-a redirects to loop-b and back."""
    target = "/fault/loop-b.html" if h.path.startswith("/fault/loop-a") else "/fault/loop-a.html"
    h.reply(302, headers={"Location": target})


def fail(h: FaultHandler, kind: str) -> None:
    """Answer the request with the fault ``kind`` (see ``content.FAULT_PATHS`` and ``FAULTY_AS``)."""
    if kind == "500":
        h.reply(500, SERVER_ERROR)
    elif kind == "reset":
        reset(h)
    elif kind == "timeout":
        hang(h)
    elif kind == "truncated":
        truncated(h)
    elif kind == "huge":
        huge(h)
    elif kind == "bomb":
        h.reply(200, h.site.bomb(), headers={"Content-Encoding": "gzip"})
    elif kind == "loop":
        loop(h)
    elif kind == "binary":
        h.reply(200, random.Random(7).randbytes(30000), "text/html; charset=utf-8")
    elif kind == "empty":
        h.reply(200, b"", "text/html; charset=utf-8")
    else:  # pragma: no cover - a typo in a test
        raise ValueError(kind)
