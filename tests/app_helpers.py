"""What the editors' app tests share: a KB made by real crawls, accounts made by ``kb user add``,
and ``kb serve`` itself running on a free loopback port.

The KB: the sample site crawled at edition 1 then edition 2 (3000元 → 4000元 and the rest), then a
hostile page crawled from a loopback server of its own: its question and answer carry script
payloads, an ``onerror`` image, ``javascript:`` links and a bidi override, as text and as markup.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from sample_site.server import LoopbackServer, SampleSite

HOSTILE_QUESTION = "医保卡丢了怎么办<script>window.__pwned=1</script>\u202egnp.exe"
HOSTILE_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{HOSTILE_QUESTION.replace("<", "&lt;")}</title>
<script>window.__pwned=1</script></head><body>
<h1>{HOSTILE_QUESTION.replace("<", "&lt;")}</h1>
<div class="answer">
<p>医保卡丢失后,应及时拨打当地医保服务热线或到医保经办机构办理挂失,挂失后卡内医保个人账户资金不会受损。
&lt;img src=x onerror="window.__pwned=1"&gt;</p>
<p>补办医保卡需要携带本人身份证原件,到社保卡服务网点或合作银行网点申请,一般在十五个工作日内制卡完成。
<a href="javascript:window.__pwned=1">点此在线补办</a> javascript:window.__pwned=1</p>
<p>挂失补办期间就医,可以使用医保电子凭证扫码结算,门诊和住院费用的医保报销不受影响。
<img src="x" onerror="window.__pwned=1"></p>
</div></body></html>"""


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        pages = {
            "/": '<html><body><a href="/ask/hostile.html">医保卡丢了怎么办</a></body></html>',
            "/ask/hostile.html": HOSTILE_PAGE,
        }
        body = pages.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def hostile_site() -> Iterator[str]:
    server = LoopbackServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def kb(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], input=stdin, capture_output=True, text=True, timeout=180
    )


def crawl(db: str, *start_urls: str) -> None:
    args = ["crawl", "--delay", "0", "--db", db]
    for url in start_urls:
        args += ["--start-url", url]
    proc = kb(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]


def crawled_kb(folder: Path) -> str:
    """The sample site at edition 1, then 2, then the hostile page: a KB as editors meet it."""
    db = f"sqlite:///{folder / 'kb.sqlite'}"
    with SampleSite(edition=1) as site:
        crawl(db, *site.start_urls)
        site.set_edition(2)
        crawl(db, *site.start_urls)
        with hostile_site() as url:  # the sample site stays up: the crawl revisits the pages it knows
            crawl(db, url)
    return db


def add_user(db: str, name: str, password: str, role: str = "editor") -> None:
    proc = kb("user", "add", name, "--role", role, "--password-stdin", "--db", db, stdin=password + "\n")
    assert proc.returncode == 0, proc.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: str) -> Iterator[str]:
    """``kb serve`` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    env = {**os.environ, "KB_SECRET_KEY": "test-only-secret-key-0123456789abcdef"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"kb serve did not start: {proc.stderr.read() if proc.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
