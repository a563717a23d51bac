"""HTTP for the fault site: one handler class per host, routing each path to a good page or a fault."""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.faultserver import faults
from tests.faultserver.content import (
    FAULT_PATHS,
    FAULTY_AS,
    FLAKY_QA,
    GBK_QA,
    HOME_CANONICAL,
    OFF_TOPIC,
    QA,
    SLOW_QA,
)
from tests.faultserver.pages import index_html, qa_html, robots_txt, sitemap, sitemap_index

if TYPE_CHECKING:
    from tests.faultserver import FaultServer


class FaultHandler(BaseHTTPRequestHandler):
    """Serves ``site`` as ``host`` ("main", or "elsewhere": a host that only logs what reaches it)."""

    protocol_version = "HTTP/1.1"
    server_version = "FaultServer/1"
    site: FaultServer
    host: str

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass

    def note(self, status: int | str) -> None:
        """Log this request in the site's request log (what the tests assert on)."""
        self.site.log(
            {
                "host": self.host,
                "method": self.command,
                "path": self.path,
                "status": status,
                "at": time.monotonic(),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        )

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.note(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except OSError:  # the crawler gave up on us: that is the point of some pages
                pass

    def page(self, html: str, *, charset: str = "utf-8") -> None:
        """A good page with an ETag; 304 when the client already has it."""
        body = html.encode(charset)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.reply(304, headers={"ETag": etag})
            return
        self.reply(200, body, "text/html; charset=utf-8", {"ETag": etag})

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        if self.host != "main":
            self.reply(200, b"<html><body>elsewhere</body></html>")
            return
        route = self.route(urlsplit(self.path).path)
        if route is None:
            self.reply(404, b"<html><body>404</body></html>")
        else:
            route()

    do_HEAD = do_GET

    def route(self, path: str) -> Callable[[], None] | None:
        site = self.site
        if path == "/robots.txt" and site.robots_status != 200:
            return lambda: self.reply(site.robots_status, b"<html><body>busy</body></html>")
        if path == "/robots.txt":
            text = robots_txt(site.origin, site.crawl_delay)
            return lambda: self.reply(200, text.encode(), "text/plain; charset=utf-8")
        if path == "/sitemap_index.xml":
            return lambda: self.reply(200, sitemap_index(site.origin), "application/xml")
        if path == "/sitemaps/qa.xml.gz":
            return lambda: self.reply(200, gzip.compress(sitemap(site.origin), mtime=0), "application/gzip")
        if path == "/":
            return lambda: self.page(index_html(site.faults))
        if path.startswith("/qa/") and path.endswith(".html"):
            return self.qa_route(path[len("/qa/") : -len(".html")])
        if path.startswith("/offtopic/") and path.endswith(".html"):
            return self.off_topic_route(path[len("/offtopic/") : -len(".html")])
        if path == "/alias/2.html":  # the same page as /qa/2.html, which it names as canonical
            return lambda: self.page(qa_html(*QA[2], canonical="/qa/2.html"))
        if path == "/slow/429.html":
            return self.too_many
        if path == "/flaky/500.html":
            return self.flaky
        if path == "/private/secret.html":
            return lambda: self.page(qa_html("医保内部资料", ["不应被抓取的页面。"]))
        if path == "/go/elsewhere.html":
            return lambda: self.reply(302, headers={"Location": site.elsewhere + "/landing.html"})
        if path in FAULT_PATHS:
            return lambda: faults.fail(self, FAULT_PATHS[path])
        return None

    def qa_route(self, key: str) -> Callable[[], None] | None:
        if key == "gbk":  # GBK bytes, declared UTF-8 in the header and the <meta>
            return lambda: self.page(qa_html(*GBK_QA), charset="gbk")
        if not (key.isdigit() and int(key) in QA):
            return None
        n = int(key)
        if self.site.faulty:
            return lambda: faults.fail(self, FAULTY_AS[n])
        # 5 and 6 come from a template that names the home page as every page's canonical.
        canonical = "/" if n in HOME_CANONICAL else None
        return lambda: self.page(qa_html(*QA[n], canonical=canonical))

    def off_topic_route(self, key: str) -> Callable[[], None] | None:
        if not (key.isdigit() and int(key) in OFF_TOPIC):
            return None
        n = int(key)
        more = f"/offtopic/{n + 1}.html" if n + 1 in OFF_TOPIC else None
        return lambda: self.page(qa_html(*OFF_TOPIC[n], more=more))

    def too_many(self) -> None:
        """429 with Retry-After on the first request, the page afterwards."""
        if len(self.site.hits("/slow/429.html")) == 0:
            self.reply(429, b"slow down", "text/plain", {"Retry-After": str(self.site.retry_after)})
        else:
            self.page(qa_html(*SLOW_QA))

    def flaky(self) -> None:
        """500 on the first request (a server restarting), the page afterwards."""
        if len(self.site.hits("/flaky/500.html")) == 0:
            self.reply(500, faults.SERVER_ERROR)
        else:
            self.page(qa_html(*FLAKY_QA))


def handler_for(site: FaultServer, host: str) -> type[FaultHandler]:
    """A handler class bound to one site and host (http.server builds one handler per request)."""
    return type(f"FaultHandler_{host}", (FaultHandler,), {"site": site, "host": host})
