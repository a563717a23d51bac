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
from sites.scope import origin, private_reason, web_scheme

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
                request.meta.setdefault("playwright_page_goto_kwargs", {}).setdefault(
                    "timeout", timeout * 1000
                )
            self.crawler.stats.inc_value("kb/rendered")
            return await super().download_request(request)
        plain = self.plain.get(urlparse_cached(request).scheme)
        if plain is not None:
            return await plain.download_request(request)
        return await super().download_request(request)

    async def refuse(self, request: Any) -> bool:
        """True for a browser subrequest we do not make: media; anything :func:`browser_refusal` refuses
        (another scheme, host or port; a private address); what robots.txt disallows. Each is counted."""
        if request.resource_type in SKIPPED_RESOURCES:
            return True
        why = await browser_refusal(
            self.crawler.spider, request.url, self.crawler.settings.getdict("KB_RESOLVE")
        )
        if why in ("offsite", "scheme"):
            count_drop(self.crawler.stats, request.url)
            self.crawler.stats.inc_value("kb/render_offsite_refused")
            return True
        if why is not None:
            log.warning("browser refused to connect: %s (%s)", request.url[:300], why)
            self.crawler.stats.inc_value("kb/render_private_refused")
            return True
        return not robots_allow(self.crawler, request.url)


async def browser_refusal(spider: Any, url: str, pins: dict[str, str] | None = None) -> str | None:
    """Why the browser may not fetch ``url`` for ``spider``'s crawl (``scheme``, ``offsite``, or why its
    address is private), None when it may: the plain handler's rules, for the requests Chromium makes.

    Chromium resolves names itself, so the address is judged on our own lookup just before it does: a
    name that changes its answer in between could still get through here (the plain handler's check is
    at connect time, on the addresses it connects to).
    """
    in_scope = getattr(spider, "in_scope", None)
    if in_scope is None or not in_scope(url):
        return "offsite" if web_scheme(url) else "scheme"
    where = origin(url)
    if where is None:
        return "scheme"
    _scheme, host, port = where
    allows = getattr(spider, "allows_private", None)
    if allows is not None and allows(host):
        return None
    pinned = (pins or {}).get(host)
    try:
        found = (
            [pinned]
            if pinned
            else [
                str(info[4][0])
                for info in await asyncio.get_running_loop().getaddrinfo(host.strip("[]"), port)
            ]
        )
    except OSError:
        return None  # Chromium cannot resolve it either: its own error follows
    for address in found:
        if why := private_reason(address):
            return f"{host} resolves to {address} ({why})"
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
