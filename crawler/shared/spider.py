"""The mixin that lets a spider be one worker of a shared crawl: scrapy-redis's ``RedisMixin``.

Inert in a crawl of one process. In a shared crawl the worker extension sets it up (``setup_redis``:
start requests from the crawl's start-URL queue, idle handling); two things differ from scrapy-redis's
``RedisSpider``: the queue holds whole Scrapy requests as JSON (the seeder's own start requests,
:mod:`crawler.shared.seed`), and the idle clock behind ``MAX_IDLE_TIME_BEFORE_CLOSE`` restarts whenever
this worker fetched something or another worker is busy (:mod:`crawler.shared.workers`).
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from crawler.shared import codec
from crawler.shared.queue import reject
from crawler.shared.workers import HEARTBEAT, busy_elsewhere, wake


class SharedCrawlSpider(RedisMixin):
    # Seeds moved into the shared queue at a time (scrapy-redis's default is CONCURRENT_REQUESTS). They
    # go where any worker takes them, so a big batch costs no sharing; a small one drains every worker
    # between batches (refresh of 125 known pages, one worker: 4.8 s of fetching with 16, 3.0 s with
    # 1000, 2.7 s without Redis; medians of 3).
    redis_batch_size = 1000
    # Requests this worker had taken from the shared queue when last idle: more since then, it worked.
    taken_at_idle: int | None = None

    def make_request_from_data(self, data: bytes) -> Request | None:
        """A start-URL queue entry as a request; one that is not a request of this crawl is dropped and counted."""
        try:
            return codec.request_from_data(data, self)
        except codec.BadEntry as exc:
            reject(self, self.redis_key, exc)
            return None

    def spider_idle(self) -> None:
        """Close only when idle for MAX_IDLE_TIME_BEFORE_CLOSE seconds with nobody else busy either."""
        crawler: Any = self.crawler
        taken = crawler.stats.get_value("scheduler/dequeued/redis", 0)
        if taken != self.taken_at_idle or busy_elsewhere(self.server, crawler.settings["KB_REDIS_CRAWL"]):
            self.taken_at_idle = taken
            # A float: RedisMixin subtracts it from int(time.time()), so the wait is never shorter.
            self.spider_idle_start_time = time.time()  # type: ignore[assignment]
        try:
            super().spider_idle()
        except DontCloseSpider:
            wake(crawler.engine, HEARTBEAT)  # look again soon: Scrapy re-signals idle only when woken
            raise
