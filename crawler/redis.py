"""Scale-out: the Scrapy settings that make ``kb crawl --redis URL`` one worker of a crawl shared through Redis.

Several worker processes (on one machine or many) that run the same crawl share, through scrapy-redis,
one request queue (the frontier) and one dupefilter, so each URL is fetched by exactly one of them; each
worker ingests what it fetched into the one KB (PostgreSQL, ``DATABASE_URL``).

What scrapy-redis alone does not settle, and how this module settles it:

- **Which crawl a worker joins.** Workers of one crawl are those with the same *job* (spider + what it
  crawls: see :func:`job_name`) and the same key prefix (``KB_REDIS_PREFIX``, default ``yibao-kb``).
  The first worker creates the crawl (a fresh crawl id: ``<prefix>:<job>:crawl``) and is its *seeder*:
  only it runs the spider's start requests (start URLs, sitemaps, the KB's known pages), so they are
  seeded once. Workers started while the crawl lives join it and take requests from the shared queue.
- **When a worker stops.** Scrapy closes a spider as soon as *its* scheduler looks empty, but in a shared
  crawl another worker may be about to push new links. A worker stops only when the shared queue is
  empty and every live worker has been idle for ``idle_timeout`` seconds. (scrapy-redis'
  SCHEDULER_IDLE_BEFORE_CLOSE is a blocking Redis pop inside the reactor thread: it would stall every
  download of that worker, so it stays 0.) An idle worker polls the queue every ``HEARTBEAT`` seconds
  instead of Scrapy's 5-second heartbeat, so new links are picked up at once.
- **Cleaning up.** ``SCHEDULER_PERSIST`` is on (the first worker to finish must not wipe the frontier
  under the others); the last worker to leave a finished crawl deletes its keys. Keys of a crawl whose
  workers all died expire after ``ORPHAN_TTL``; the crawl id itself after ``WORKER_TTL``, so the next
  ``kb crawl --redis`` starts afresh.

Limits: politeness (delay, AutoThrottle, per-domain concurrency) is per worker, so N workers put N times
the load on a site; robots.txt is fetched once per worker and site; requests travel pickled (callbacks must
be spider methods, meta picklable).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_PREFIX = "yibao-kb"
IDLE_TIMEOUT = 3.0  # s: shared queue empty and every worker idle this long -> the crawl is over
HEARTBEAT = 0.25  # s: how often a worker publishes its state and an idle worker polls the queue
WORKER_TTL = 30  # s: a worker (and a crawl) not heard of for this long is gone
ORPHAN_TTL = 24 * 3600  # s: queue/dupefilter of a crawl whose workers all died are dropped after this


# Scrapy's robots.txt middleware swapped for the fixed one below (see RobotsTxtMiddleware).
ROBOTS_FIX = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsTxtMiddleware": 100,
}


class RedisUnavailable(Exception):
    """Redis cannot be reached at the URL given (a one-line message for the CLI)."""


def key_prefix() -> str:
    """The key prefix: ``KB_REDIS_PREFIX`` (tests set a private one), else ``yibao-kb``."""
    return os.environ.get("KB_REDIS_PREFIX") or DEFAULT_PREFIX


def job_name(spider: str, targets: Iterable[str]) -> str:
    """A short stable name for "this spider over these targets" (site names or start URLs)."""
    digest = hashlib.sha1("\n".join(sorted(set(targets))).encode("utf-8")).hexdigest()[:12]
    return f"{spider}:{digest}"


@dataclass(frozen=True)
class SharedCrawl:
    """The Redis keys of one shared crawl, and whether this worker seeds it."""

    url: str
    base: str  # <prefix>:<job>
    crawl_id: str
    seeder: bool
    worker_id: str

    @property
    def crawl_key(self) -> str:
        return f"{self.base}:crawl"

    @property
    def requests_key(self) -> str:
        return f"{self.base}:{self.crawl_id}:requests"

    @property
    def dupefilter_key(self) -> str:
        return f"{self.base}:{self.crawl_id}:dupefilter"

    @property
    def workers_key(self) -> str:
        return f"{self.base}:{self.crawl_id}:workers"


def _client(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    try:
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url}: {exc}") from exc
    return client


def check_redis(url: str) -> None:
    """Raise RedisUnavailable (one line) unless Redis answers at ``url``: for the CLI, before Scrapy starts."""
    _client(url).close()


def join_crawl(url: str, job: str) -> SharedCrawl:
    """Join the live crawl of ``job`` or create it (then this worker is the seeder)."""
    client = _client(url)
    base = f"{key_prefix()}:{job}"
    crawl_key = f"{base}:crawl"
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    while True:
        fresh = uuid.uuid4().hex[:12]
        if client.set(crawl_key, fresh, nx=True, ex=WORKER_TTL):
            crawl = SharedCrawl(url, base, fresh, seeder=True, worker_id=worker_id)
            # Registered busy at once: a worker that joins while this one is still starting up (its
            # Scrapy not yet open, nothing queued yet) must wait for the seeds, not stop.
            client.hset(crawl.workers_key, worker_id, f"{time.time():.3f} 1")
            client.expire(crawl.workers_key, ORPHAN_TTL)
            return crawl
        existing = client.get(crawl_key)
        if existing is not None:  # else it expired between the two calls: try again
            return SharedCrawl(url, base, existing.decode("ascii"), seeder=False, worker_id=worker_id)


def redis_settings(url: str, job: str, *, idle_timeout: float = IDLE_TIMEOUT) -> dict[str, Any]:
    """Settings to lay over the project's for a worker of ``job``'s shared crawl (connects to Redis).

    Plain values only, plus the add-on that merges this module's middlewares and extension into the
    project's own at crawl start: so setting each key with ``settings.set`` never drops a project
    middleware. Raises RedisUnavailable when Redis does not answer.
    """
    crawl = join_crawl(url, job)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        # scrapy-redis %-formats these with the spider name: escape a % in the prefix
        "SCHEDULER_QUEUE_KEY": crawl.requests_key.replace("%", "%%"),
        "SCHEDULER_DUPEFILTER_KEY": crawl.dupefilter_key.replace("%", "%%"),
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": url,
        "KB_REDIS_URL": url,
        "KB_REDIS_CRAWL": crawl,
        "KB_REDIS_IDLE_TIMEOUT": idle_timeout,
        "ADDONS": {"crawler.redis.RedisAddon": 0},
    }


# What a worker adds to the project's components (merged by RedisAddon, never replacing them).
COMPONENTS: dict[str, dict[str, int | None]] = {
    "EXTENSIONS": {"crawler.redis.SharedCrawlWorker": 100},
    "SPIDER_MIDDLEWARES": {"crawler.redis.SeedOnce": 10},
    "DOWNLOADER_MIDDLEWARES": ROBOTS_FIX,
}


def spider_job(spider: Any) -> str:
    """The default job of a spider instance: its name and what it was asked to crawl."""
    targets = [str(u) for u in getattr(spider, "start_urls", None) or []]
    for attr in ("site", "sites", "start_url"):
        value = getattr(spider, attr, None)
        if value:
            targets.append(f"{attr}={value}")
    return job_name(spider.name, targets)


class RedisAddon:
    """Scrapy add-on: with the setting ``KB_REDIS_URL``, this crawl is one worker of a shared crawl.

    The one switch for every way the spiders run: ``kb crawl --redis URL`` (through
    :func:`redis_settings`), ``scrapy crawl discover -s KB_REDIS_URL=redis://...`` or scrapyd's
    ``setting=KB_REDIS_URL=...`` (list the add-on in ADDONS, or pass it too). ``KB_REDIS_JOB`` names the
    job (default: :func:`spider_job`), ``KB_REDIS_IDLE_TIMEOUT`` the seconds of shared idleness that end
    the crawl. Without ``KB_REDIS_URL`` it does nothing.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisAddon:
        return cls(crawler)

    def update_settings(self, settings: Any) -> None:
        url = settings.get("KB_REDIS_URL")
        if not url:
            return
        if settings.get("KB_REDIS_CRAWL") is None:  # not joined yet (scrapy crawl / scrapyd)
            job = settings.get("KB_REDIS_JOB") or spider_job(self.crawler.spider)
            idle = settings.getfloat("KB_REDIS_IDLE_TIMEOUT", IDLE_TIMEOUT)
            for name, value in redis_settings(url, job, idle_timeout=idle).items():
                if name != "ADDONS":
                    settings.set(name, value, priority="cmdline")
        for name, components in COMPONENTS.items():
            settings.set(name, {**settings.getdict(name), **components}, priority="cmdline")


class SeedOnce:
    """Spider middleware: only the seeder's start requests enter the shared queue."""

    def __init__(self, seeder: bool) -> None:
        self.seeder = seeder

    @classmethod
    def from_crawler(cls, crawler: Any) -> SeedOnce:
        from scrapy.exceptions import NotConfigured

        crawl = crawler.settings.get("KB_REDIS_CRAWL")
        if crawl is None:
            raise NotConfigured
        return cls(crawl.seeder)

    async def process_start(self, start: Any) -> Any:
        async for item_or_request in start:
            if self.seeder:
                yield item_or_request

    def process_start_requests(self, start_requests: Iterable[Any], spider: Any) -> Iterable[Any]:
        if self.seeder:
            yield from start_requests


class SharedCrawlWorker:
    """Extension: publishes this worker's state, keeps it open while the shared crawl has work, cleans up."""

    def __init__(self, crawler: Any, crawl: SharedCrawl, idle_timeout: float) -> None:
        self.crawler = crawler
        self.crawl = crawl
        self.idle_timeout = idle_timeout
        self.worker_id = crawl.worker_id
        self.client: Any = None
        self.loop: Any = None
        self.idle_since: float | None = None
        self.waiting = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedCrawlWorker:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        crawl = crawler.settings.get("KB_REDIS_CRAWL")
        if crawl is None:
            raise NotConfigured
        ext = cls(crawler, crawl, crawler.settings.getfloat("KB_REDIS_IDLE_TIMEOUT", IDLE_TIMEOUT))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # -- state shared through Redis ------------------------------------------------------------
    def _busy(self) -> bool:
        try:
            return not self.crawler.engine.spider_is_idle()
        except (RuntimeError, AttributeError):  # engine slot not there yet / any more
            return False

    def _beat(self) -> None:
        import redis

        try:
            self._publish()
        except redis.RedisError as exc:  # a hiccup must not stop the heartbeat for good
            self.crawler.spider.logger.warning("shared crawl: Redis heartbeat failed: %s", exc)

    def _publish(self) -> None:
        """Publish "alive, busy or idle"; keep the crawl's keys alive; wake an idle engine on new work."""
        crawl, now = self.crawl, time.time()
        pipe = self.client.pipeline()
        pipe.set(crawl.crawl_key, crawl.crawl_id, ex=WORKER_TTL)
        pipe.hset(crawl.workers_key, self.worker_id, f"{now:.3f} {int(self._busy())}")
        for key in (crawl.requests_key, crawl.dupefilter_key, crawl.workers_key):
            pipe.expire(key, ORPHAN_TTL)
        pipe.zcard(crawl.requests_key)
        queued = pipe.execute()[-1]
        if self.waiting and queued:
            self._wake()

    def _wake(self, delay: float = 0) -> None:
        """Make the engine look at its scheduler (now, or in ``delay`` s), not at its 5-second heartbeat.

        Scrapy has no public call for this; the engine's slot.nextcall is what its own heartbeat uses.
        """
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule(delay)

    def _others_busy(self) -> bool:
        now = time.time()
        for worker, state in self.client.hgetall(self.crawl.workers_key).items():
            if worker.decode() == self.worker_id:
                continue
            seen, busy = state.decode().split()
            if now - float(seen) < WORKER_TTL and busy == "1":
                return True
        return False

    # -- signals ---------------------------------------------------------------------------------
    def spider_opened(self, spider: Any) -> None:
        from scrapy.utils.asyncio import create_looping_call

        self.client = _client(self.crawl.url)
        self._beat()
        self.loop = create_looping_call(self._beat)
        self.loop.start(HEARTBEAT, now=False)
        spider.logger.info(
            "shared crawl %s (%s) as worker %s",
            self.crawl.crawl_id,
            "seeder" if self.crawl.seeder else "joined",
            self.worker_id,
        )

    def spider_idle(self, spider: Any) -> None:
        """Stay open while the shared crawl may still produce work for this worker."""
        from scrapy.exceptions import DontCloseSpider

        self.waiting = True
        now = time.time()
        if self.client.zcard(self.crawl.requests_key) or self._others_busy():
            self.idle_since = None
            self._wake(HEARTBEAT)  # look again soon: the engine re-signals idle only when woken
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            self._wake(HEARTBEAT)
            raise DontCloseSpider
        self.waiting = False  # the crawl is over: let Scrapy close

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        crawl = self.crawl
        self.client.hdel(crawl.workers_key, self.worker_id)
        now = time.time()
        alive = [
            w
            for w, state in self.client.hgetall(crawl.workers_key).items()
            if now - float(state.decode().split()[0]) < WORKER_TTL
        ]
        if alive or reason != "finished":
            return
        # The last worker of a finished crawl: drop it, so the next run starts a fresh one.
        current = self.client.get(crawl.crawl_key)
        pipe = self.client.pipeline()
        if current is not None and current.decode("ascii") == crawl.crawl_id:
            pipe.delete(crawl.crawl_key)
        pipe.delete(crawl.requests_key, crawl.dupefilter_key, crawl.workers_key)
        pipe.execute()
        spider.logger.info("shared crawl %s finished; its Redis keys are removed", crawl.crawl_id)
