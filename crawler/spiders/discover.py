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

import html
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor

from crawler.scope import count_drop
from crawler.spiders.base import KBSpider
from kb import clock, revisit
from kb.snapshot import Snapshot
from sites import profiles
from sites.urls import canonicalize

RELATED_PRIORITY = 20
LISTING_PRIORITY = 10


_ANCHOR_HREF = re.compile(rb"""<a(?:rea)?\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SKIP_EXTENSIONS = frozenset("." + e for e in IGNORED_EXTENSIONS)


def stored_links(body: bytes, base_url: str) -> list[str]:
    """Absolute http(s) URLs of a stored page's ``<a>``/``<area>`` links (what LinkExtractor would follow).

    A regex over the bytes, not a parse: a 304 revisit only needs the link targets, and this is ~20x
    cheaper than decoding and parsing the page again. ``<base href>`` is honoured.
    """
    base = re.search(rb"""<base\s[^>]*?href\s*=\s*["']?([^"'\s>]+)""", body[:20000], re.I)
    if base:
        base_url = urljoin(base_url, html.unescape(base.group(1).decode("utf-8", "replace")))
    out = []
    for match in _ANCHOR_HREF.finditer(body):
        raw = next(g for g in match.groups() if g is not None).decode("utf-8", "replace")
        href = html.unescape(raw).strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        path = parts.path.lower()
        if "." in path.rsplit("/", 1)[-1] and path[path.rfind(".") :] in _SKIP_EXTENSIONS:
            continue
        out.append(url)
    return out


class DiscoverSpider(KBSpider):
    name = "discover"

    def __init__(self, *args: Any, no_refresh: bool | str = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.no_refresh = str(no_refresh).lower() in {"1", "true", "yes"}
        self.links = LinkExtractor(unique=True)  # scope (scheme + host + port) checked in follow_urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.start_urls_given:
            if self.budget_left():
                yield self.request(url, priority=LISTING_PRIORITY)
        if not self.no_refresh:
            now = clock.now()
            for url, known in self.known.items():
                if not self.budget_left():
                    break
                if url not in self.start_urls_given and not revisit.resting(known, now):
                    yield self.request(url)

    def parse(self, response: Response) -> Iterable[Snapshot | scrapy.Request]:
        item, page = self.response_item(response)
        if item is not None:
            yield item
        if response.status == 304:
            yield from self.follow_stored(response)
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
        yield from self.follow(response, related, hops, profile)

    def follow_stored(self, response: Response) -> Iterable[scrapy.Request]:
        """The links of a page that answered 304, from the body the KB keeps for it."""
        url = response.meta.get("page_url") or canonicalize(response.url)
        known = self.known.get(url)
        body = self.stored_body(url)
        if known is None or body is None:
            return
        profile = self.profile_for(response.url)
        hops = 0
        if known.status == "off_topic":
            hops = response.meta.get("off_topic_hops", 0) + 1
            if hops > profile.off_topic_hops:
                return
        yield from self.follow_urls(stored_links(body, response.url), set(), hops, profile, page=url)

    def follow(
        self, response: TextResponse, related: set[str], hops: int, profile: profiles.Profile
    ) -> Iterable[scrapy.Request]:
        urls = (link.url for link in self.links.extract_links(response))
        yield from self.follow_urls(urls, related, hops, profile, page=response.meta.get("page_url"))

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
            priority = 0
            if url in related:
                priority = RELATED_PRIORITY
            elif any(re.search(p, url.split("?")[0]) for p in profile.listing_patterns):
                priority = LISTING_PRIORITY
            yield self.request(url, priority=priority, meta={"off_topic_hops": hops})
