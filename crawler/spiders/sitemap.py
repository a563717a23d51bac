"""``sitemap``: a site's sitemaps (index files and gzip handled by Scrapy's SitemapSpider), lastmod-aware.

A URL whose ``<lastmod>`` is not after our last fetch of it is skipped: the site says it did not change.
A ``<loc>`` outside the crawl's scope (another scheme, host or port) is counted and skipped; the first
requests skip the dupefilter (``dont_filter``), never the scope (crawler.scope, and the redirect check
for 3xx and meta refresh in crawler.middlewares).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spiders import SitemapSpider as ScrapySitemapSpider

from crawler.scope import count_drop
from crawler.spiders.base import KBSpider
from kb import clock, revisit
from kb.snapshot import Snapshot
from sites.scope import Scope
from sites.urls import canonicalize

# The sitemap protocol allows 50 MB uncompressed; pages keep DOWNLOAD_MAXSIZE. Also bounds gunzip.
SITEMAP_MAXSIZE = 64 * 1024 * 1024


class SitemapSpider(KBSpider, ScrapySitemapSpider):
    name = "sitemap"

    def __init__(self, *args: Any, sitemap_url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from crawler.spiders.base import split_urls, web_urls

        urls = web_urls(split_urls(sitemap_url), "a sitemap URL")
        self.scope |= Scope.of(urls)  # sitemaps named for this crawl are in its scope; their <loc>s are not
        if not urls:  # each site's profile sitemaps; for a site without, its robots.txt names them
            urls = [u for p in self.site_profiles for u in p.sitemaps]
            urls += sorted(
                {
                    f"{urlsplit(u).scheme}://{urlsplit(u).netloc}/robots.txt"
                    for u in self.start_urls_given
                    if not self.profile_for(u).sitemaps
                }
            )
        self.sitemap_urls = urls
        self.skipped_unmodified = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.sitemap_urls:
            yield scrapy.Request(
                url,
                callback=self._parse_sitemap,
                errback=self.failed,
                dont_filter=True,
                meta={"download_maxsize": SITEMAP_MAXSIZE},
            )

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for entry in entries:
            loc = entry.get("loc")
            if not loc:
                continue
            if not self.in_scope(loc):  # another scheme (file:, ftp:), host or port: counted, not fetched
                count_drop(self.crawler.stats, loc)
                continue
            known = self.known.get(canonicalize(loc))
            if revisit.resting(known, clock.now()):  # a dead link, not due for its next check
                continue
            lastmod = entry.get("lastmod")
            if known is not None and known.last_fetched and lastmod:
                try:
                    modified = clock.parse_time(lastmod)
                except ValueError:
                    modified = datetime.max
                if modified <= known.last_fetched:
                    self.skipped_unmodified += 1
                    self.crawler.stats.inc_value("kb/sitemap_unmodified")
                    continue
            yield entry

    def _parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        for request in super()._parse_sitemap(response):
            if request.callback is None or request.callback == self.parse:
                if self.budget_left():
                    yield self.request(request.url)
            else:  # another sitemap (from an index or robots.txt): same size bound, faults recorded
                yield request.replace(
                    errback=self.failed, meta={**request.meta, "download_maxsize": SITEMAP_MAXSIZE}
                )

    def parse(self, response: Response) -> Iterable[Snapshot]:
        item, _page = self.response_item(response)
        if item is not None:
            yield item
