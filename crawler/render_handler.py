"""The download handler of a crawl with pages to render (``crawler.render`` says which and why).

Imported only when such a crawl starts: it loads scrapy-playwright and Playwright.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.robots import RobotsTxtMiddleware
from crawler.scope import count_drop
from sites.scope import origin, private_reason

log = logging.getLogger(__name__)

# What the browser never fetches for us: nothing in it is text the extractor reads.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


class RenderHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler for ``meta["playwright"]`` requests; the rest to the plain handler."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        self.abort_request = self.refuse
        plain = crawler.settings.getdict("KB_PLAIN_HANDLERS")
        self.plain = {
            scheme: build_from_crawler(load_object(path), crawler) for scheme, path in plain.items()
        }

    async def download_request(self, request: Request, spider: Any = None) -> Response:  # type: ignore[override]
        if request.meta.get("playwright"):
            timeout = request.meta.get("download_timeout")
            if timeout:  # the site's timeout bounds the whole navigation too
                request.meta.setdefault("playwright_page_goto_kwargs", {}).setdefault("timeout", timeout * 1000)
            self.crawler.stats.inc_value("kb/rendered")
            return await super().download_request(request)
        plain = self.plain.get(urlparse_cached(request).scheme)
        if plain is not None:
            return await plain.download_request(request)
        return await super().download_request(request)

    async def refuse(self, request: Any) -> bool:
        """True for a browser subrequest we do not make: media; another scheme, host or port than the
        crawl's scope; a host resolving to a private address (unless its site allows it); robots.txt.

        Chromium resolves names itself, so the address is checked on our own lookup just before: a
        name that changes its answer in between could still get through here (the plain handler's
        check is at connect time). Each refusal is counted (``kb/render_refused/<why>``).
        """
        if request.resource_type in SKIPPED_RESOURCES:
            return True
        spider = self.crawler.spider
        in_scope = getattr(spider, "in_scope", None)
        if in_scope is None or not in_scope(request.url):
            count_drop(self.crawler.stats, request.url)
            self.crawler.stats.inc_value("kb/render_offsite_refused")
            return True
        if await self.private_address(request.url, spider):
            self.crawler.stats.inc_value("kb/render_private_refused")
            return True
        return not robots_allow(self.crawler, request.url)

    async def private_address(self, url: str, spider: Any) -> str | None:
        """Why ``url``'s host may not be reached from here (a private address), None when it may."""
        where = origin(url)
        if where is None:
            return "not an http(s) URL"
        _scheme, host, port = where
        allows = getattr(spider, "allows_private", None)
        if allows is not None and allows(host):
            return None
        pinned = self.crawler.settings.getdict("KB_RESOLVE").get(host)
        try:
            found = [pinned] if pinned else [
                info[4][0] for info in await asyncio.get_running_loop().getaddrinfo(host, port)
            ]
        except OSError:
            return None  # Chromium cannot resolve it either: its own error follows
        for address in found:
            if why := private_reason(address):
                log.warning("browser refused to connect: %s resolves to %s (%s)", host, address, why)
                return why
        return None


def robots_allow(crawler: Crawler, url: str) -> bool:
    """What the crawl's robots.txt middleware knows of ``url``: allowed unless its host's parsed rules
    refuse it (a host whose robots.txt was not read yet: the page itself passed robots, so its own was)."""
    engine = crawler.engine
    if engine is None:
        return True
    for mw in engine.downloader.middleware.middlewares:
        if isinstance(mw, RobotsTxtMiddleware):
            parser = mw._parsers.get(urlsplit(url).netloc)
            if parser is None or not hasattr(parser, "allowed"):
                return True
            agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
            return bool(parser.allowed(url, agent))
    return True
