"""``discover``: from start URLs, follow links inside the allowed domains; Q&A pages become items.

Related-card links and listing pages go first (they are where new questions are); off-topic pages are
fetched to learn they are off-topic, and their links followed at most ``off_topic_hops`` further. The
KB's known pages on the same sites are revisited too (conditionally), so a nightly run notices pages
that vanished from the site's links (404 -> gone) and pays a 304 for what did not change.

A 304 still leads somewhere: its links are read from the body the KB stored when the page last came in
full. Without that, a crawl that stopped halfway would never find the rest again: the start and listing
pages it had already seen answer 304 on every later night.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.scope import count_drop
from crawler.spiders.base import KBSpider, off_reactor
from kb import clock, revisit
from kb.snapshot import Snapshot
from sites import profiles
from sites.urls import canonicalize

RELATED_PRIORITY = 20
LISTING_PRIORITY = 10


_SKIP_EXTENSIONS = frozenset("." + e for e in IGNORED_EXTENSIONS)


_LINK_SCHEMES = ("http", "https", "file", "ftp")


def page_links(body: bytes, base_url: str, *, limit: int = 0, encoding: str | None = None) -> tuple[list[str], bool]:
    """Absolute URLs of a page's ``<a>``/``<area>`` links (what LinkExtractor would follow: http(s), and file: /
    ftp: ones, which the scope counts and drops, so a page probing for local files shows), each once,
    in page order, at most ``limit`` of them (0: all); and whether the limit cut some off.

    lxml's parser, as fast as a regex over the bytes and linear on any input (a pattern over page bytes
    backtracked quadratically on ``<a `` without ``>``: 120 KB took 50 s). ``<base href>`` is honoured.
    """
    try:
        doc = lxml.html.document_fromstring(body, parser=_parser(encoding))
    except (etree.ParserError, ValueError):  # an empty or unparseable body: no links
        return [], False
    base = doc.find(".//base[@href]")
    if base is not None:
        base_url = urljoin(base_url, (base.get("href") or "").strip())
    out: dict[str, None] = {}
    for element in doc.iter("a", "area"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        if parts.scheme not in _LINK_SCHEMES:
            continue
        path = parts.path.lower()
        if "." in path.rsplit("/", 1)[-1] and path[path.rfind(".") :] in _SKIP_EXTENSIONS:
            continue
        if limit and len(out) >= limit and url not in out:
            return list(out), True
        out[url] = None
    return list(out), False


def _parser(encoding: str | None) -> lxml.html.HTMLParser | None:
    """An lxml HTML parser for the response's encoding (None: lxml reads the page's own declaration)."""
    if encoding not in _PARSERS:
        try:
            parser = lxml.html.HTMLParser(encoding=encoding)
        except LookupError:  # a codec name libxml2 does not know: let it read the page's declaration
            parser = None
        if len(_PARSERS) < 64:
            _PARSERS[encoding] = parser
        return parser
    return _PARSERS[encoding]


_PARSERS: dict[str | None, lxml.html.HTMLParser | None] = {}


def stored_links(body: bytes, base_url: str) -> list[str]:
    """The links of a stored page (a 304 revisit reads them from the body the KB keeps), uncapped."""
    return page_links(body, base_url)[0]


class DiscoverSpider(KBSpider):
    name = "discover"

    def __init__(self, *args: Any, no_refresh: bool | str = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.no_refresh = str(no_refresh).lower() in {"1", "true", "yes"}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.start_urls_given:
            if self.budget_left(url):
                yield self.request(url, priority=LISTING_PRIORITY)
        if not self.no_refresh:
            now = clock.now()
            for url, known in self.known.items():
                if not self.budget_left():
                    break
                if url not in self.start_urls_given and not revisit.resting(known, now) and self.budget_left(url):
                    yield self.request(url)

    async def parse(self, response: Response) -> AsyncIterator[Snapshot | scrapy.Request]:
        item, page = await self.response_item(response)
        if item is not None:
            yield item
        if response.status == 304:
            for request in await self.follow_stored(response):
                yield request
            return
        if page is None or not isinstance(response, TextResponse):
            return
        profile = self.profile_for(response.url)
        hops = response.meta.get("off_topic_hops", 0)
        if page.page_type == "qa" and not page.is_medical_insurance:
            hops += 1
            if hops > profile.off_topic_hops:
                return
        else:
            hops = 0
        related = {canonicalize(r["url"]) for r in page.related if r.get("url")}
        urls = await self.links_of(response.body, response.url, response.encoding)
        for request in self.follow_urls(urls, related, hops, profile, page=response.meta.get("page_url")):
            yield request

    async def follow_stored(self, response: Response) -> list[scrapy.Request]:
        """The links of a page that answered 304, from the body the KB keeps for it."""
        url = response.meta.get("page_url") or canonicalize(response.url)
        known = self.known.get(url)
        body = self.stored_body(url)
        if known is None or body is None:
            return []
        profile = self.profile_for(response.url)
        hops = 0
        if known.status == "off_topic":
            hops = response.meta.get("off_topic_hops", 0) + 1
            if hops > profile.off_topic_hops:
                return []
        return list(self.follow_urls(await self.links_of(body, response.url), set(), hops, profile, page=url))

    async def links_of(self, body: bytes, url: str, encoding: str | None = None) -> list[str]:
        """A page's links (parsed on a worker thread), at most KB_MAX_LINKS_PER_PAGE of them: a page of
        150k links must not cost minutes. A page cut short is counted (``kb/links_capped``)."""
        limit = self.settings.getint("KB_MAX_LINKS_PER_PAGE", 0)
        urls, capped = await off_reactor(partial(page_links, limit=limit, encoding=encoding), body, url)
        if capped:
            self.crawler.stats.inc_value("kb/links_capped")
            self.logger.info("%s: only its first %d links are followed (KB_MAX_LINKS_PER_PAGE)", url, limit)
        return urls

    def follow_urls(
        self,
        urls: Iterable[str],
        related: set[str],
        hops: int,
        profile: profiles.Profile,
        page: str | None = None,
    ) -> Iterable[scrapy.Request]:
        """Requests for the links of ``page`` that are in scope; the others are counted (crawler.scope)."""
        for link in urls:
            if not self.budget_left():
                return
            url = canonicalize(link)
            if url in self.requested or profile.is_ignored(url):
                continue
            if not self.in_scope(url, page):
                count_drop(self.crawler.stats, url)
                continue
            if revisit.resting(self.known.get(url), clock.now()):  # a dead link, not due for a check
                continue
            if not self.budget_left(url):
                continue
            priority = 0
            if url in related:
                priority = RELATED_PRIORITY
            elif any(re.search(p, url.split("?")[0]) for p in profile.listing_patterns):
                priority = LISTING_PRIORITY
            yield self.request(url, priority=priority, meta={"off_topic_hops": hops})
