"""A third loopback site, on 127.0.0.3, that a night must survive: its robots.txt answers 500.

RFC 9309: a robots.txt that cannot be read means nothing on the site may be fetched, so a crawl of it
fetches nothing and records the site as failed; the other sites of the same crawl must finish. Each
request it gets is logged (a page fetched behind a 500 robots.txt would be a politeness bug).
"""

from __future__ import annotations

from sample_site.server import LoopbackSite, Reply

HOST = "127.0.0.3"


class DownSite(LoopbackSite):
    """Context manager: ``url`` is its start page; ``paths`` what reached it."""

    host = HOST

    def __init__(self, robots_status: int = 500) -> None:
        self.robots_status = robots_status
        self.paths: list[str] = []

    def answer(self, path: str) -> Reply:
        self.paths.append(path)
        status = self.robots_status if path == "/robots.txt" else 200
        body = b"<html><body><h1>busy</h1><a href='/zcwd/1.html'>1</a></body></html>"
        return status, {"Content-Type": "text/html; charset=utf-8"}, body

    @property
    def url(self) -> str:
        return self.origin + "/"
