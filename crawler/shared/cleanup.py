"""The last worker out of a finished shared crawl removes its keys, so the next run starts afresh.

``SCHEDULER_PERSIST`` stays on (scrapy-redis would otherwise flush the frontier when the *first* worker
closes, under the others). A crawl stopped early (Ctrl-C, a page limit) keeps its keys: they expire
after ``ORPHAN_TTL``, the crawl id after ``WORKER_TTL``.
"""

from __future__ import annotations

from typing import Any

from crawler.shared.join import SharedCrawl
from crawler.shared.workers import live_workers


def leave(client: Any, crawl: SharedCrawl, reason: str) -> bool:
    """Take this worker off the crawl; True when it was the last of a finished crawl and removed the keys."""
    client.hdel(crawl.workers_key, crawl.worker_id)
    if reason != "finished" or live_workers(client, crawl):
        return False
    current = client.get(crawl.crawl_key)
    pipe = client.pipeline()
    if current is not None and current.decode("ascii") == crawl.crawl_id:  # not a newer crawl's id
        pipe.delete(crawl.crawl_key)
    pipe.delete(*crawl.crawl_keys())
    pipe.execute()
    return True
