"""Bodies that are no text at all: one rule for the crawl and ``kb extract``.

A 200 whose body is garbage is a fault of the fetch and must never replace what the KB has (the spider
records it as such); a file that is garbage has no answer (``extract_page`` says so, ``kb extract`` exits 2).
"""

from __future__ import annotations

from w3lib.encoding import read_bom

HEAD = 8192  # bytes looked at: a page's first 8 KiB are markup and text, never control bytes


def garbage_reason(body: bytes) -> str | None:
    """Why a body cannot be a text page (``empty_body``, ``binary``), else None.

    Binary is a NUL or more than 1% control characters in the head; behind a UTF-16/32 BOM the head is
    read as that encoding first, since there the NULs are the encoding, not the content.
    """
    if not body.strip():
        return "empty_body"
    head = bytes(body[:HEAD])
    codes: bytes | list[int] = head
    encoding, bom = read_bom(head)
    if encoding and bom and encoding.startswith(("utf-16", "utf-32")):
        codes = [ord(ch) for ch in head[len(bom) :].decode(encoding, errors="replace")]
    if 0 in codes:
        return "binary"
    controls = sum(1 for c in codes if c < 32 and c not in (9, 10, 12, 13))
    return "binary" if controls > len(codes) // 100 else None
