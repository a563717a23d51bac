"""A third loopback site, on 127.0.0.3, that a night must survive: its robots.txt answers 500.

RFC 9309: a robots.txt that cannot be read means nothing on the site may be fetched, so a crawl of it
fetches nothing and records the site as failed; the other sites of the same crawl must finish. Each
request it gets is logged (a page fetched behind a 500 robots.txt would be a politeness bug).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from sample_site.server import LoopbackServer

HOST = "127.0.0.3"


class DownSite:
    """Context manager: ``url`` is its start page; ``paths`` what reached it."""

    def __init__(self, robots_status: int = 500) -> None:
        self.robots_status = robots_status
        self.paths: list[str] = []
        self._server: LoopbackServer | None = None

    def __enter__(self) -> DownSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                site.paths.append(self.path)
                status = site.robots_status if self.path == "/robots.txt" else 200
                body = b"<html><body><h1>busy</h1><a href='/zcwd/1.html'>1</a></body></html>"
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer((HOST, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.origin + "/"
