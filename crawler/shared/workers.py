"""Who works on a shared crawl: every worker says, every HEARTBEAT seconds, whether it is busy.

A worker whose own engine is idle (the shared queue empty, nothing in flight) may still be needed:
another worker, busy with a page, may be about to queue its links. scrapy-redis would close it
``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds after the queue ran dry whatever the others do; here the idle
clock only runs while no other live worker is busy (:mod:`crawler.shared.spider`). Each beat also keeps
the crawl's keys alive; a worker silent for ``WORKER_TTL`` seconds counts as gone.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from crawler.shared.join import ORPHAN_TTL, WORKER_TTL

if TYPE_CHECKING:
    from crawler.shared.join import SharedCrawl

HEARTBEAT = 0.25  # s: how often a worker publishes its state, and an idle worker looks for work


def publish(client: Any, crawl: SharedCrawl, *, busy: bool) -> None:
    """This worker is alive and busy (or idle); the crawl and its keys live on."""
    pipe = client.pipeline()
    pipe.set(crawl.crawl_key, crawl.crawl_id, ex=WORKER_TTL)
    pipe.hset(crawl.workers_key, crawl.worker_id, f"{time.time():.3f} {int(busy)}")
    for key in crawl.crawl_keys():
        pipe.expire(key, ORPHAN_TTL)
    pipe.execute()


def live_workers(client: Any, crawl: SharedCrawl) -> dict[str, bool]:
    """worker id -> busy, for the workers heard of within WORKER_TTL (this one included)."""
    now, out = time.time(), {}
    for worker, state in client.hgetall(crawl.workers_key).items():
        seen, busy = state.decode().split()
        if now - float(seen) < WORKER_TTL:
            out[worker.decode()] = busy == "1"
    return out


def busy_elsewhere(client: Any, crawl: SharedCrawl) -> bool:
    """True while another live worker of the crawl is busy."""
    return any(busy for worker, busy in live_workers(client, crawl).items() if worker != crawl.worker_id)


def wake(engine: Any, delay: float) -> None:
    """Make the engine look at its scheduler in ``delay`` seconds, not at its 5-second heartbeat.

    Scrapy has no public call for this; ``engine._slot.nextcall`` is what its own heartbeat calls
    (tests/test_scrapy_internals.py fails loudly when that changes).
    """
    slot = getattr(engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule(delay)


class SharedCrawlWorker:
    """Extension: sets the spider up as a scrapy-redis spider of the crawl, beats, and leaves on close."""

    def __init__(self, crawler: Any, crawl: SharedCrawl) -> None:
        self.crawler = crawler
        self.crawl = crawl
        self.client: Any = None
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedCrawlWorker:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured
        from scrapy_redis.spiders import RedisMixin

        crawl = crawler.settings.get("KB_REDIS_CRAWL")
        if crawl is None:
            raise NotConfigured
        spider = crawler.spider
        if not isinstance(spider, RedisMixin):
            raise TypeError(
                f"spider {spider.name!r} cannot join a shared crawl: "
                "it must mix in crawler.shared.spider.SharedCrawlSpider"
            )
        # Here, not in the spider's from_crawler (as RedisSpider does): only now are the crawl's keys
        # in the settings (the add-on joins the crawl after the spider is made).
        spider.setup_redis(crawler)
        ext = cls(crawler, crawl)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def busy(self) -> bool:
        try:
            return not self.crawler.engine.spider_is_idle()
        except (RuntimeError, AttributeError):  # engine slot not there yet / any more
            return False

    def beat(self) -> None:
        import redis

        try:
            publish(self.client, self.crawl, busy=self.busy())
        except redis.RedisError as exc:  # a hiccup must not stop the heartbeat for good
            self.crawler.spider.logger.warning("shared crawl: Redis heartbeat failed: %s", exc)

    def spider_opened(self, spider: Any) -> None:
        from scrapy.utils.asyncio import create_looping_call

        from crawler.shared.join import connect

        self.client = connect(self.crawl.url)
        self.beat()
        self.loop = create_looping_call(self.beat)
        self.loop.start(HEARTBEAT, now=False)
        role = "seeder" if self.crawl.seeder else "joined"
        spider.logger.info("shared crawl %s (%s) as worker %s", self.crawl.crawl_id, role, self.crawl.worker_id)

    def spider_closed(self, spider: Any, reason: str) -> None:
        from crawler.shared.cleanup import leave

        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.client is not None and leave(self.client, self.crawl, reason):
            spider.logger.info("shared crawl %s finished; its Redis keys are removed", self.crawl.crawl_id)
