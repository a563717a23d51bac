"""The one switch: with the setting ``KB_REDIS_URL``, this crawl is one worker of a shared crawl.

``kb crawl --redis URL`` passes :func:`redis_settings`; ``scrapy crawl ... -s KB_REDIS_URL=redis://...``
and scrapyd's ``setting=KB_REDIS_URL=...`` reach the same settings through :class:`RedisAddon` (listed in
``crawler/settings.py``).
"""

from __future__ import annotations

from typing import Any

from crawler import settings as project
from crawler.robots import MIDDLEWARES as ROBOTS_MIDDLEWARES
from crawler.shared.join import join_crawl, spider_job

IDLE_TIMEOUT = 3  # s (whole: scrapy-redis counts idle time in seconds): all idle this long -> done

# What a worker adds to the project's components (merged by RedisAddon, never replacing them).
COMPONENTS: dict[str, dict[str, int | None]] = {
    "EXTENSIONS": {"crawler.shared.workers.SharedCrawlWorker": 100},
    "SPIDER_MIDDLEWARES": {"crawler.shared.seed.SeedOnce": 10},
    # The first batch a worker takes from the queue may hold many URLs of one site at once: the case
    # Scrapy's robots.txt middleware gets wrong (crawler.robots).
    "DOWNLOADER_MIDDLEWARES": ROBOTS_MIDDLEWARES,
}


def redis_settings(url: str, job: str, *, idle_timeout: int = IDLE_TIMEOUT) -> dict[str, Any]:
    """Settings to lay over the project's for a worker of ``job``'s shared crawl (joins it in Redis).

    Plain values only, plus the add-on that merges COMPONENTS into the project's own at crawl start: so
    setting each key with ``settings.set`` never drops a project middleware. Raises RedisUnavailable
    when Redis does not answer.
    """
    crawl = join_crawl(url, job)
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # JSON, never pickles: whoever can write to the Redis must not run code in the workers
        "SCHEDULER_QUEUE_CLASS": "crawler.shared.queue.JsonPriorityQueue",
        "SCHEDULER_SERIALIZER": "crawler.shared.codec",
        # scrapy-redis %-formats these with the spider name: escape a % in the prefix
        "SCHEDULER_QUEUE_KEY": crawl.requests_key.replace("%", "%%"),
        "SCHEDULER_DUPEFILTER_KEY": crawl.dupefilter_key.replace("%", "%%"),
        "REDIS_START_URLS_KEY": crawl.start_key.replace("%", "%%"),
        # The first worker to finish must not flush the frontier under the others (crawler.shared.cleanup).
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        # A blocking Redis pop inside the reactor thread would stall every download of this worker.
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "MAX_IDLE_TIME_BEFORE_CLOSE": idle_timeout,
        "REDIS_URL": url,
        "KB_REDIS_URL": url,
        "KB_REDIS_CRAWL": crawl,
        "ADDONS": dict(project.ADDONS),  # this add-on, and the log masking of REDIS_URL's password
    }


class RedisAddon:
    """Scrapy add-on: with ``KB_REDIS_URL``, join (or start) the shared crawl and add COMPONENTS.

    ``KB_REDIS_JOB`` names the crawl (default: spider name + its arguments, :func:`spider_job`);
    scrapy-redis's ``MAX_IDLE_TIME_BEFORE_CLOSE`` the seconds of shared idleness that end it (default
    IDLE_TIMEOUT). Without ``KB_REDIS_URL`` it does nothing.
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
            idle = settings.getint("MAX_IDLE_TIME_BEFORE_CLOSE", IDLE_TIMEOUT)
            for name, value in redis_settings(url, job, idle_timeout=idle).items():
                if name != "ADDONS":
                    settings.set(name, value, priority="cmdline")
        for name, components in COMPONENTS.items():
            settings.set(name, {**settings.getdict(name), **components}, priority="cmdline")
