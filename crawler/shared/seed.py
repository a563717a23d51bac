"""How a shared crawl is seeded once: the first worker's start requests go into its start-URL queue.

scrapy-redis's spiders read their start requests from a Redis list (``redis_key``) that someone else
fills; in a shared crawl that someone is the seeder (:mod:`crawler.shared.join`). Its spider's own start
requests (start URLs, sitemaps, the KB's known pages due for a revisit) are pushed there as JSON, in
their order; every worker, the seeder included, then moves them a batch at a time (at start and
whenever idle: ``RedisMixin.schedule_next_requests``) into the shared request queue. The other
workers still run their spider's start (the spider reads the KB's known pages there) but seed nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured

from crawler.shared import codec
from crawler.shared.join import SharedCrawl

CHUNK = 500  # seeds per RPUSH


class SeedOnce:
    """Spider middleware: the seeder pushes its start requests into the start-URL queue; every worker
    starts by moving a batch of them into the shared queue."""

    def __init__(self, crawler: Any, crawl: SharedCrawl) -> None:
        self.crawler = crawler
        self.crawl = crawl

    @classmethod
    def from_crawler(cls, crawler: Any) -> SeedOnce:
        crawl = crawler.settings.get("KB_REDIS_CRAWL")
        if crawl is None:
            raise NotConfigured
        return cls(crawler, crawl)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        seeds: list[str] = []
        async for item_or_request in start:
            if not self.crawl.seeder:
                continue
            if isinstance(item_or_request, Request):
                seeds.append(codec.dumps(item_or_request.to_dict(spider=spider)))
                if len(seeds) >= CHUNK:
                    spider.server.rpush(spider.redis_key, *seeds)
                    seeds.clear()
            else:
                yield item_or_request
        if seeds:
            spider.server.rpush(spider.redis_key, *seeds)
        # A first batch straight into the shared queue (RedisMixin does the same when idle), where any
        # worker may take it: not held back in this worker's start.
        spider.schedule_next_requests()
