"""The shared request queue: scrapy-redis's priority queue, whose entries are JSON requests or nothing.

An entry that :func:`crawler.shared.codec.request_from_data` refuses (a pickle someone pushed, a request
of another class, a callback that is not the spider's) is dropped and counted in ``shared/rejected``,
logged once per worker, and the next entry is taken: it is never executed and never stops the crawl.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from crawler.shared.codec import BadEntry, request_from_data

log = logging.getLogger(__name__)

REJECTED = "shared/rejected"  # the stat: queue entries dropped as not a request of this crawl
SKIP_AT_MOST = 100  # refused entries dropped in one pop: a queue full of junk must not hold the reactor


def reject(spider: Any, key: str, error: BadEntry) -> None:
    """Count a refused entry; the first of the crawl is logged (an attack or a bug: either way, loud once)."""
    stats = spider.crawler.stats
    if not stats.get_value(REJECTED):
        log.error(
            "shared crawl: dropped an entry of %s that is not a request of this crawl (%s); "
            "further ones are only counted in %s",
            key,
            error,
            REJECTED,
        )
    stats.inc_value(REJECTED)


class JsonPriorityQueue(PriorityQueue):
    """scrapy-redis's ``PriorityQueue`` over JSON entries; refused entries are dropped, never decoded further."""

    def _decode_request(self, encoded_request: bytes) -> Request | None:
        try:
            return request_from_data(encoded_request, self.spider)
        except BadEntry as exc:
            reject(self.spider, self.key, exc)
            return None

    def pop(self, timeout: int = 0) -> Request | None:
        """The next valid request; refused entries on the way are dropped (so one cannot hide the rest), at
        most SKIP_AT_MOST of them per call (the engine asks again soon)."""
        for _ in range(SKIP_AT_MOST):
            pipe = self.server.pipeline()
            pipe.multi()
            pipe.zrange(self.key, 0, 0).zremrangebyrank(self.key, 0, 0)
            results, _count = pipe.execute()
            if not results:
                return None
            request = self._decode_request(results[0])
            if request is not None:
                return request
        return None
