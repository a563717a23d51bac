"""The private Scrapy, Twisted and scrapy-redis internals the crawler relies on, checked against the
installed versions: when an upgrade changes one, the test that names it fails.

| internal | relied on by |
| --- | --- |
| ``RetryMiddleware._retry(request, reason)`` | ``crawler.middlewares.BackoffRetryMiddleware`` |
| ``Downloader.slots`` / ``get_slot_key`` / ``Slot.delay``, ``.jitter`` | backoff and Crawl-delay (``crawler.middlewares``) |
| ``RobotsTxtMiddleware._parsers``, ``_parse_robots``, ``_robots_error``, ``_stats`` | ``crawler.robots`` |
| ``ExecutionEngine._slot.nextcall.schedule(delay)`` | ``crawler.shared.workers.wake`` |
| ``SitemapSpider._parse_sitemap(response)`` | ``crawler.spiders.sitemap`` |
| ``twisted.web._newclient.ResponseFailed.reasons`` | ``crawler.spiders.base.failure_kind`` |
| ``RedisMixin.spider_idle_start_time``, ``max_idle_time``; stat ``scheduler/dequeued/redis`` | ``crawler.shared.spider`` |
| ``AutoThrottle._response_downloaded``, ``_adjust_delay``, ``mindelay`` / ``maxdelay`` / ``target_concurrency`` | ``crawler.politeness.SiteAutoThrottle`` |
| ``ScrapyPlaywrightDownloadHandler.abort_request`` (scrapy-playwright) | ``crawler.render_handler.RenderHandler`` |
| ``CachingHostnameResolver.original_resolver`` and its receiver seam; ``CrawlerProcess.crawlers`` | ``crawler.resolver.GuardedResolver`` |
| ``OffsiteMiddleware.should_follow`` / ``stats``, ``get_meta_refresh`` | ``crawler.scope``, ``crawler.middlewares`` |

The behaviours are watched in one real crawl (a probe spider in its own process, over loopback, with the
project's middlewares); the signatures are read with ``inspect``.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faultserver import QA, FaultServer

ROOT = Path(__file__).resolve().parent.parent
CRAWL_DELAY = 0.3

PROBE = """\
import json, sys, time
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.spiders import SitemapSpider

from crawler.shared.workers import wake

origin, out = sys.argv[1:]
seen = {"idle": [], "sitemap_callbacks": [], "slots": [], "pages": {}}


class Probe(SitemapSpider):
    name = "probe"
    sitemap_urls = [origin + "/sitemap_index.xml"]

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.closed_probe, signal=signals.spider_closed)
        return spider

    async def start(self):
        async for request in super().start():
            yield request
        yield self.make_flaky()

    def make_flaky(self):
        from scrapy import Request
        return Request(origin + "/flaky/500.html", callback=self.parse)

    def robots_middleware(self):
        from crawler.robots import RobotsTxtMiddleware
        mws = self.crawler.engine.downloader.middleware.middlewares
        return next(m for m in mws if isinstance(m, RobotsTxtMiddleware))

    def robots_parsed(self, robotparser, request):
        parsers = getattr(self.robots_middleware(), "_parsers", {})
        seen["parsers_while_parsing"] = type(parsers.get(request.url.split("/")[2])).__name__

    def _parse_sitemap(self, response):
        for request in super()._parse_sitemap(response):
            seen["sitemap_callbacks"].append(getattr(request.callback, "__name__", None))
            yield request

    def parse(self, response):
        seen["pages"][response.url.split("/", 3)[3]] = [response.status, response.meta.get("retry_times", 0)]
        downloader = self.crawler.engine.downloader
        slot = getattr(downloader, "slots", {}).get(downloader.get_slot_key(response.request))
        seen["slots"].append([type(slot).__name__, getattr(slot, "delay", None), getattr(slot, "jitter", None)])

    def idle(self, spider):
        seen["idle"].append(time.monotonic())
        if len(seen["idle"]) == 1:
            seen["engine_slot"] = type(getattr(self.crawler.engine, "_slot", None)).__name__
            wake(self.crawler.engine, 0.2)
            raise DontCloseSpider

    def closed_probe(self, spider, reason):
        parsers = getattr(self.robots_middleware(), "_parsers", {})
        seen["parsers_after"] = {k: type(v).__name__ for k, v in parsers.items()}
        seen["robots_stats"] = self.crawler.stats.get_value("robotstxt/response_count")
        with open(out, "w") as fh:
            json.dump(seen, fh)


settings = {
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_USER_AGENT": "yibao-kb",
    "DOWNLOAD_DELAY": 0,
    "RETRY_BACKOFF_BASE": 0.1,
    "EXTENSIONS": {"scrapy.extensions.remote_control.RemoteControl": None},
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawler.robots.RobotsTxtMiddleware": 100,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.BackoffRetryMiddleware": 550,
        "crawler.middlewares.CrawlDelayMiddleware": 560,
    },
}
process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real crawl of a loopback site (robots.txt with a Crawl-delay, a sitemap index, a 500 that
    recovers) by a probe spider that records what the internals look like and do."""
    tmp = tmp_path_factory.mktemp("internals")
    (tmp / "probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp / "seen.json"
    with FaultServer(faults=False, crawl_delay=CRAWL_DELAY) as fs:
        result = subprocess.run(
            [sys.executable, str(tmp / "probe.py"), fs.origin, str(out)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and out.exists(), result.stderr[-3000:]
        seen = json.loads(out.read_text(encoding="utf-8"))
        seen["log"] = list(fs.requests)
        seen["origin"] = fs.origin
    return seen


def params(func: Any) -> list[str]:
    return list(inspect.signature(func).parameters)


@pytest.mark.slow
def test_retry_middleware_retry(probe: dict[str, Any]) -> None:
    from scrapy.downloadermiddlewares.retry import RetryMiddleware

    assert params(RetryMiddleware._retry) == ["self", "request", "reason"], "RetryMiddleware._retry changed"
    flaky = [r["status"] for r in probe["log"] if r["path"] == "/flaky/500.html"]
    assert flaky == [500, 200], "BackoffRetryMiddleware through RetryMiddleware._retry: no retry"
    assert probe["pages"]["flaky/500.html"] == [200, 1], "RetryMiddleware._retry: retry_times not counted"


@pytest.mark.slow
def test_downloader_slots(probe: dict[str, Any]) -> None:
    from scrapy.core.downloader import Downloader

    assert params(Downloader.get_slot_key) == ["self", "request"], "Downloader.get_slot_key changed"
    kinds = {kind for kind, _, _ in probe["slots"]}
    assert kinds == {"Slot"}, f"Downloader.slots[get_slot_key(request)] is not a Slot: {kinds}"
    assert all(isinstance(d, float) and isinstance(j, float) for _, d, j in probe["slots"]), (
        "Slot.delay / Slot.jitter are not floats"
    )
    # CrawlDelayMiddleware raised the slot's delay to the Crawl-delay: the pages came that far apart.
    assert max(d for _, d, _ in probe["slots"]) >= CRAWL_DELAY, "Slot.delay set by CrawlDelayMiddleware ignored"
    times = sorted(r["at"] for r in probe["log"] if r["path"].startswith("/qa/"))
    assert len(times) == len(QA)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= CRAWL_DELAY * 0.9, f"Downloader.slots delay not honoured: gaps {gaps}"


@pytest.mark.slow
def test_robots_middleware_parsers(probe: dict[str, Any]) -> None:
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    assert params(RobotsTxtMiddleware._parse_robots) == ["self", "response", "netloc", "request"], (
        "RobotsTxtMiddleware._parse_robots changed"
    )
    assert params(RobotsTxtMiddleware._robots_error) == ["self", "exc", "netloc"], (
        "RobotsTxtMiddleware._robots_error changed"
    )
    assert params(RobotsTxtMiddleware.process_request_2) == ["self", "rp", "request"], (
        "RobotsTxtMiddleware.process_request_2 changed"
    )
    assert params(RobotsTxtMiddleware.robot_parser) == ["self", "request"], "RobotsTxtMiddleware.robot_parser changed"
    # While robots.txt is being parsed, waiters find a Deferred in _parsers; afterwards the parser.
    assert probe["parsers_while_parsing"] == "Deferred", "RobotsTxtMiddleware._parsers holds no Deferred"
    netloc = probe["origin"].split("/")[2]
    assert probe["parsers_after"] == {netloc: "ProtegoRobotParser"}, "RobotsTxtMiddleware._parsers changed"
    assert probe["robots_stats"] == 1, "RobotsTxtMiddleware._stats no longer the crawler's stats"
    assert [r["path"] for r in probe["log"]].count("/robots.txt") == 1


@pytest.mark.slow
def test_engine_slot_nextcall(probe: dict[str, Any]) -> None:
    assert probe["engine_slot"] == "_Slot", "ExecutionEngine._slot changed"
    idle = probe["idle"]
    assert len(idle) >= 2, "spider_idle never came again after ExecutionEngine._slot.nextcall.schedule"
    # Scrapy's own heartbeat would bring the next idle signal after 5 s.
    assert idle[1] - idle[0] < 2.0, f"ExecutionEngine._slot.nextcall.schedule(0.2) woke nothing: {idle[1] - idle[0]:.1f} s"


@pytest.mark.slow
def test_sitemap_spider_parse_sitemap(probe: dict[str, Any]) -> None:
    from scrapy.spiders import SitemapSpider

    assert params(SitemapSpider._parse_sitemap) == ["self", "response"], "SitemapSpider._parse_sitemap changed"
    callbacks = probe["sitemap_callbacks"]
    # the index -> the gzipped sitemap (_parse_sitemap again) -> the pages (parse)
    assert callbacks.count("_parse_sitemap") == 1 and callbacks.count("parse") == len(QA), (
        f"SitemapSpider._parse_sitemap yields other requests: {callbacks}"
    )
    assert sorted(p for p in probe["pages"] if p.startswith("qa/")) == sorted(f"qa/{n}.html" for n in QA)


def test_twisted_response_failed_reasons() -> None:
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseFailed

    try:
        raise ConnectionResetError("reset")
    except ConnectionResetError:
        reason = Failure()
    assert ResponseFailed([reason]).reasons == [reason], "twisted.web._newclient.ResponseFailed.reasons changed"


@pytest.mark.redis
def test_scrapy_redis_idle_clock(redis_url: str) -> None:
    """RedisMixin closes when int(time.time()) - spider_idle_start_time >= max_idle_time and its start-URL
    queue is empty; the shared-crawl spider restarts that clock by setting spider_idle_start_time."""
    from scrapy import Spider
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.test import get_crawler
    from scrapy_redis.spiders import RedisMixin

    class Idle(RedisMixin, Spider):
        name = "idle"

    crawler = get_crawler(
        Idle,
        {"REDIS_URL": redis_url, "REDIS_START_URLS_KEY": os.environ["KB_REDIS_PREFIX"] + ":start", "MAX_IDLE_TIME_BEFORE_CLOSE": 1},
    )
    spider = Idle.from_crawler(crawler)
    spider.setup_redis(crawler)
    assert spider.max_idle_time == 1, "RedisMixin.max_idle_time not read from MAX_IDLE_TIME_BEFORE_CLOSE"
    spider.spider_idle_start_time = time.time()
    with pytest.raises(DontCloseSpider):
        spider.spider_idle()  # "RedisMixin.spider_idle_start_time just set: must keep the spider open"
    spider.spider_idle_start_time = time.time() - 5
    assert spider.spider_idle() is None, "RedisMixin.spider_idle_start_time no longer ends the wait"


@pytest.mark.redis
@pytest.mark.filterwarnings("ignore::scrapy.exceptions.ScrapyDeprecationWarning")  # scrapy-redis's stats calls
def test_scrapy_redis_dequeued_stat(redis_url: str) -> None:
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler
    from scrapy_redis.scheduler import Scheduler

    prefix = os.environ["KB_REDIS_PREFIX"]
    crawler = get_crawler(
        Spider,
        {
            "REDIS_URL": redis_url,
            "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        },
    )
    spider = Spider.from_crawler(crawler, name="dequeued")
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(spider)
    scheduler.enqueue_request(Request("http://127.0.0.1:1/"))
    assert scheduler.next_request() is not None
    assert crawler.stats.get_value("scheduler/dequeued/redis") == 1, "scrapy-redis: stat scheduler/dequeued/redis gone"


def test_autothrottle_per_site_hooks() -> None:
    """SiteAutoThrottle swaps the floor, ceiling and target around ``_adjust_delay``, per response."""
    from scrapy.extensions.throttle import AutoThrottle

    assert params(AutoThrottle._adjust_delay) == ["self", "slot", "latency", "response"], "_adjust_delay changed"
    assert params(AutoThrottle._response_downloaded)[:3] == ["self", "response", "request"]
    source = inspect.getsource(AutoThrottle._adjust_delay)
    for name in ("self.mindelay", "self.maxdelay", "self.target_concurrency"):
        assert name in source, f"AutoThrottle._adjust_delay no longer reads {name}"


def test_playwright_handler_abort_hook() -> None:
    """RenderHandler refuses browser subrequests through the handler's ``abort_request`` attribute."""
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    source = inspect.getsource(ScrapyPlaywrightDownloadHandler)
    assert "self.abort_request(playwright_request)" in source, "scrapy-playwright's abort hook changed"
    assert "self.abort_request: " in source or "self.abort_request =" in source


def test_resolver_and_offsite_seams() -> None:
    """GuardedResolver wraps Scrapy's caching resolver (the check runs after its cache, on every
    connection); ScopeMiddleware overrides OffsiteMiddleware's policy hook; the redirect check reads meta
    refresh as MetaRefreshMiddleware does."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
    from scrapy.resolver import CachingHostnameResolver
    from scrapy.utils.response import get_meta_refresh

    assert "self.original_resolver" in inspect.getsource(CachingHostnameResolver.__init__)
    source = inspect.getsource(CachingHostnameResolver.resolveHostName)
    assert "resolutionReceiver.addressResolved" in source and "_CachingResolutionReceiver(" in source
    assert isinstance(inspect.getattr_static(CrawlerProcess, "crawlers"), property), "CrawlerProcess.crawlers"
    assert params(OffsiteMiddleware.should_follow) == ["self", "request", "spider"]
    assert "self.stats = stats" in inspect.getsource(OffsiteMiddleware.__init__)
    assert params(get_meta_refresh) == ["response", "ignore_tags"]
