"""``sitemap``: a site's sitemaps (index files and gzip handled by Scrapy's SitemapSpider), lastmod-aware.

A URL whose ``<lastmod>`` is not after our last fetch of it is skipped: the site says it did not change.
A ``<loc>`` outside the crawl's scope (another scheme, host or port) is counted and skipped; the first
requests skip the dupefilter (``dont_filter``), never the scope (crawler.scope, and the redirect check
for 3xx and meta refresh in crawler.middlewares).
Bounded whatever a site publishes: at most KB_MAX_SITEMAP_URLS page URLs are read from one sitemap file
(``kb/sitemap_capped``), at most KB_MAX_SITEMAPS sitemap files per crawl (an index's fan-out,
``kb/sitemaps_capped``), and each site's page budget applies (:meth:`KBSpider.budget_left`).
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
        self.sitemaps_asked = 0  # sitemap files requested (KB_MAX_SITEMAPS)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        for url in self.sitemap_urls:
            if not self.sitemap_left(url):
                break
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

    def sitemap_left(self, url: str) -> bool:
        """True while the crawl may fetch one more sitemap file (KB_MAX_SITEMAPS); counts it."""
        limit = self.settings.getint("KB_MAX_SITEMAPS")
        if limit and self.sitemaps_asked >= limit:
            self.crawler.stats.inc_value("kb/sitemaps_capped")
            if self.crawler.stats.get_value("kb/sitemaps_capped") == 1:
                self.logger.warning("%s and later sitemaps not fetched: KB_MAX_SITEMAPS (%d) reached", url, limit)
            return False
        self.sitemaps_asked += 1
        return True

    def _parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        limit, taken = self.settings.getint("KB_MAX_SITEMAP_URLS"), 0
        for request in super()._parse_sitemap(response):
            if request.callback is None or request.callback == self.parse:
                if limit and taken >= limit:  # stop reading the file: the rest costs parsing, not fetching
                    self.crawler.stats.inc_value("kb/sitemap_capped")
                    self.logger.warning("%s: only its first %d URLs are taken (KB_MAX_SITEMAP_URLS)", response.url, limit)
                    return
                taken += 1
                if self.budget_left(request.url):
                    yield self.request(request.url)
            elif self.sitemap_left(request.url):  # another sitemap (index, robots.txt): same bounds, faults recorded
                yield request.replace(
                    errback=self.failed, meta={**request.meta, "download_maxsize": SITEMAP_MAXSIZE}
                )

    async def parse(self, response: Response) -> AsyncIterator[Snapshot]:
        item, _page = await self.response_item(response)
        if item is not None:
            yield item
