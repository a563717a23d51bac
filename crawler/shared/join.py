"""Which shared crawl a worker joins, the crawl's Redis keys, and whether this worker seeds it.

Workers of one crawl are those with the same *job* (spider + what it crawls: :func:`job_name`) and the
same key prefix (``KB_REDIS_PREFIX``, default ``yibao-kb``). The first creates the crawl (a fresh crawl
id under ``<prefix>:<job>:crawl``) and is its seeder; workers started while that id lives join it. The
id lives while some worker beats (:mod:`.workers`), so the next night's crawl starts afresh.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sites.urls import mask_secrets

DEFAULT_PREFIX = "yibao-kb"
WORKER_TTL = 30  # s: a worker (and a crawl id) not heard of for this long is gone
ORPHAN_TTL = 24 * 3600  # s: the keys of a crawl whose workers all died are dropped after this


class RedisUnavailable(Exception):
    """Redis cannot be reached at the URL given (a one-line message for the CLI)."""


def key_prefix() -> str:
    """The key prefix: ``KB_REDIS_PREFIX`` (tests set a private one), else ``yibao-kb``."""
    return os.environ.get("KB_REDIS_PREFIX") or DEFAULT_PREFIX


def job_name(spider: str, targets: Iterable[str]) -> str:
    """A short stable name for "this spider over these targets" (site names or start URLs)."""
    digest = hashlib.sha1("\n".join(sorted(set(targets))).encode("utf-8")).hexdigest()[:12]
    return f"{spider}:{digest}"


def spider_job(spider: Any) -> str:
    """The job of a spider instance: its name and what it was asked to crawl."""
    targets = [str(u) for u in getattr(spider, "start_urls", None) or []]
    for attr in ("site", "sites", "start_url"):
        value = getattr(spider, attr, None)
        if value:
            targets.append(f"{attr}={value}")
    return job_name(spider.name, targets)


@dataclass(frozen=True)
class SharedCrawl:
    """The Redis keys of one shared crawl, and this worker's place in it."""

    url: str
    base: str  # <prefix>:<job>
    crawl_id: str
    seeder: bool
    worker_id: str

    @property
    def crawl_key(self) -> str:
        return f"{self.base}:crawl"

    def _key(self, name: str) -> str:
        return f"{self.base}:{self.crawl_id}:{name}"

    @property
    def start_key(self) -> str:
        """scrapy-redis's start-URL queue (``redis_key``): the seeds, as JSON."""
        return self._key("start")

    @property
    def requests_key(self) -> str:
        return self._key("requests")

    @property
    def dupefilter_key(self) -> str:
        return self._key("dupefilter")

    @property
    def workers_key(self) -> str:
        return self._key("workers")

    def crawl_keys(self) -> tuple[str, ...]:
        """The keys this crawl owns (the crawl id key is shared by the job's successive crawls)."""
        return (self.start_key, self.requests_key, self.dupefilter_key, self.workers_key)


def connect(url: str) -> Any:
    """A Redis client that answered a PING, else RedisUnavailable."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    try:
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise RedisUnavailable(mask_secrets(f"cannot reach Redis at {url}: {exc}")) from exc
    return client


def check_redis(url: str) -> None:
    """Raise RedisUnavailable (one line) unless Redis answers at ``url``: for the CLI, before Scrapy starts."""
    connect(url).close()


def join_crawl(url: str, job: str) -> SharedCrawl:
    """Join the live crawl of ``job``, or create it: then this worker is the seeder."""
    from crawler.shared.workers import publish

    client = connect(url)
    base = f"{key_prefix()}:{job}"
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    while True:
        fresh = uuid.uuid4().hex[:12]
        if client.set(f"{base}:crawl", fresh, nx=True, ex=WORKER_TTL):
            crawl = SharedCrawl(url, base, fresh, seeder=True, worker_id=worker_id)
            # Busy at once: a worker that joins while this one is still starting up (its Scrapy not
            # open, nothing seeded yet) must wait for the seeds, not stop.
            publish(client, crawl, busy=True)
            return crawl
        existing = client.get(f"{base}:crawl")
        if existing is not None:  # else it expired between the two calls: try again
            return SharedCrawl(url, base, existing.decode("ascii"), seeder=False, worker_id=worker_id)
