"""Attack: code execution through the shared queue. Whoever can write to the crawl's Redis pushes entries
into its request queue; a worker must never run them, only take what parses as a request of its crawl.

A real worker (the follow-links spider of test_scaleout.py, in its own process) joins a crawl whose
queues the attacker filled first, and crawls the real sample site.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from sample_site.server import SampleSite
from tests.test_scaleout import fetched, start_worker

pytestmark = pytest.mark.redis


class CreatesFile:
    """A pickle that, once loaded, creates ``path`` (what a `__reduce__` payload running `id` would do)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.path, "w"))


def test_a_pickle_pushed_into_the_request_queue_is_dropped_never_run(tmp_path: Path, redis_url: str) -> None:
    import redis

    from crawler.shared import codec

    marker = tmp_path / "pwned"
    client = redis.Redis.from_url(redis_url)
    base = f"{os.environ['KB_REDIS_PREFIX']}:follow:evil"
    client.set(f"{base}:crawl", "c0ffee", ex=30)  # the crawl the worker will join (it then seeds nothing)
    requests_key, start_key = f"{base}:c0ffee:requests", f"{base}:c0ffee:start"
    hostile = [
        pickle.dumps(CreatesFile(marker), protocol=4),  # the classic: scrapy-redis's default serializer ran it
        b'{"url": "http://127.0.0.1:1/", "_class": "subprocess.Popen"}',  # JSON naming a class to import
        b'{"url": "http://127.0.0.1:1/", "callback": "__init__"}',  # ... or a method that is no callback
        b'{"url": "http://127.0.0.1:1/", "callback": "setup_redis"}',  # ... or one of scrapy-redis's own
        b"[1, 2, 3]",
    ]
    for n, entry in enumerate(hostile):
        client.execute_command("ZADD", requests_key, -1000 + n, entry)  # first in line
    client.rpush(start_key, pickle.dumps(CreatesFile(marker), protocol=4))  # the start-URL queue too

    with SampleSite(latency=0.0) as site:
        for url in site.start_urls:  # the legitimate seeds, as a seeder pushes them (JSON)
            client.rpush(start_key, codec.dumps({"url": url, "callback": "parse", "headers": {}, "body": b""}))
        worker = start_worker(tmp_path, redis_url, "follow:evil", 1, site.start_urls)
        code = worker.wait(timeout=90)
        log = (tmp_path / "worker1.log").read_text()

    assert code == 0, log[-3000:]
    assert not marker.exists(), "the pickle ran inside the worker"
    assert f"'shared/rejected': {len(hostile) + 1}" in log, log[-3000:]
    assert log.count("is not a request of this crawl") == 1  # logged once, then counted
    assert len(fetched(tmp_path, 1)) > 20  # and the crawl itself went on


def test_a_queue_entry_becomes_a_request_only_when_it_is_one() -> None:
    """The decoder alone: what a crawl queues comes back whole; anything else is BadEntry, nothing is imported."""
    import sys

    from scrapy import Request, Spider

    from crawler.shared.codec import BadEntry, dumps, request_from_data
    from crawler.shared.spider import SharedCrawlSpider

    class Probe(SharedCrawlSpider, Spider):
        name = "probe"

        def page(self, response):  # type: ignore[no-untyped-def]
            pass

    spider = Probe()
    sent = Request("http://127.0.0.1:1/a", callback=spider.page, meta={"depth": 2}, priority=3)
    got = request_from_data(dumps(sent.to_dict(spider=spider)), spider)
    assert (got.url, got.callback, got.meta, got.priority) == (sent.url, spider.page, sent.meta, 3)
    sys.modules.pop("antigravity", None)
    for entry in (
        pickle.dumps({"url": "http://127.0.0.1:1/"}),
        b'{"url": "http://127.0.0.1:1/", "_class": "antigravity.Request"}',
        b'{"url": "http://127.0.0.1:1/", "errback": "close"}',
        b'{"url": "http://127.0.0.1:1/", "callback": "_set_crawler"}',
        b'{"url": "http://127.0.0.1:1/", "meta": [1]}',
        b'{"url": "http://127.0.0.1:1/", "headers": {"a": 1}}',
        b'{"url": 7}',
        b'"http://127.0.0.1:1/"',
    ):
        with pytest.raises(BadEntry):
            request_from_data(entry, spider)
    assert "antigravity" not in sys.modules  # a named class is never imported
