"""A hostile loopback site: pages and sitemaps built to make a crawler do unbounded work.

- ``/links.html``: LINKS unique links (``/p/N.html``);
- ``/heavy-start.html``: SMALL links to small pages (``/s/N.html``), then one to ``/heavy.html``, a 3 MB
  Q&A page that takes seconds to extract (last: Scrapy takes links of one priority last-in first-out);
- ``/big.xml``: a sitemap of SITEMAP_URLS page URLs; ``/index.xml``: a sitemap index of INDEX_CHILDREN
  sitemaps (``/sm/N.xml``, 3 URLs each);
- ``/p/N.html``, ``/q/...``: small pages, served after ``latency`` seconds;
- robots.txt allows everything and names both sitemaps.

Every request is logged with its time (``requests``: (time, path)).
"""

from __future__ import annotations

import time

from sample_site.server import LoopbackSite, Reply

HOST = "127.0.0.1"
LINKS = 5000
SITEMAP_URLS = 300
INDEX_CHILDREN = 20
SMALL = 100
PARA = "<p>参保人员在定点医疗机构住院发生的符合规定的医疗费用，按照规定比例报销，起付标准以上部分由统筹基金支付。</p>"


def heavy_page() -> bytes:
    return (
        "<html><head><title>医保住院报销比例是多少</title></head><body><h1>医保住院报销比例是多少</h1><div>"
        + PARA * 20_000
        + "</div></body></html>"
    ).encode()


def urlset(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()


class HeavySite(LoopbackSite):
    """A site built to make a crawler do unbounded work, on 127.0.0.1 (a free port); ``url(path)`` for
    its URLs."""

    host = HOST

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.requests: list[tuple[float, str]] = []
        self._heavy = heavy_page()

    def url(self, path: str) -> str:
        return self.origin + path

    def paths(self, prefix: str) -> list[str]:
        return [p for _, p in self.requests if p.startswith(prefix)]

    def body(self, path: str) -> tuple[bytes, str]:
        if path == "/robots.txt":
            return f"User-agent: *\nAllow: /\nSitemap: {self.url('/big.xml')}\nSitemap: {self.url('/index.xml')}\n".encode(), "text/plain"
        if path == "/links.html":
            links = "".join(f'<a href="/p/{n}.html">第{n}页</a>' for n in range(LINKS))
            return f"<html><body>{links}</body></html>".encode(), "text/html; charset=utf-8"
        if path == "/heavy-start.html":
            links = "".join(f'<a href="/s/{n}.html">第{n}页</a>' for n in range(SMALL))
            return f'<html><body>{links}<a href="/heavy.html">heavy</a></body></html>'.encode(), "text/html; charset=utf-8"
        if path == "/heavy.html":
            return self._heavy, "text/html; charset=utf-8"
        if path == "/big.xml":
            return urlset([self.url(f"/p/{n}.html") for n in range(SITEMAP_URLS)]), "application/xml"
        if path == "/index.xml":
            maps = "".join(f"<sitemap><loc>{self.url(f'/sm/{n}.xml')}</loc></sitemap>" for n in range(INDEX_CHILDREN))
            body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
            return body.encode(), "application/xml"
        if path.startswith("/sm/"):
            n = path.removeprefix("/sm/").removesuffix(".xml")
            return urlset([self.url(f"/q/{n}-{k}.html") for k in range(3)]), "application/xml"
        time.sleep(self.latency)
        return f"<html><head><title>{path}</title></head><body><p>普通页面 {path}</p></body></html>".encode(), "text/html; charset=utf-8"

    def answer(self, path: str) -> Reply:
        self.requests.append((time.monotonic(), path))
        body, content_type = self.body(path)
        return 200, {"Content-Type": content_type}, body
