"""``discover``: from start URLs, follow links inside the allowed domains; Q&A pages become items.

Related-card links and listing pages go first (they are where new questions are); off-topic pages are
fetched to learn they are off-topic, and their links followed at most ``off_topic_hops`` further. The
KB's known pages on the same sites are revisited too (conditionally), so a nightly run notices pages
that vanished from the site's links (404 -> gone) and pays a 304 for what did not change.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.base import KBSpider
from crawler.urls import canonicalize
from kb.snapshot import Snapshot

RELATED_PRIORITY = 20
LISTING_PRIORITY = 10


class DiscoverSpider(KBSpider):
    name = "discover"

    def __init__(self, *args: Any, no_refresh: bool | str = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.no_refresh = str(no_refresh).lower() in {"1", "true", "yes"}
        self.links = LinkExtractor(unique=True)  # scope checked by host (allow_domains trips on ports)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.start_urls_given:
            yield self.request(url, priority=LISTING_PRIORITY)
        if not self.no_refresh:
            for url in self.known:
                if url not in self.start_urls_given:
                    yield self.request(url)

    def parse(self, response: Response) -> Iterable[Snapshot | scrapy.Request]:
        item, page = self.response_item(response)
        if item is not None:
            yield item
        if page is None or not hasattr(response, "text"):
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
        for link in self.links.extract_links(response):
            url = canonicalize(link.url)
            if not self.in_scope(url) or profile.is_ignored(url):
                continue
            priority = 0
            if url in related:
                priority = RELATED_PRIORITY
            elif any(re.search(p, url.split("?")[0]) for p in profile.listing_patterns):
                priority = LISTING_PRIORITY
            yield self.request(url, priority=priority, meta={"off_topic_hops": hops})
