"""crawler/shared: worker processes share one crawl through real Redis (scrapy-redis).

A plain link-following Scrapy spider with the shared-crawl mixin (written into tmp_path, run in its own
processes) crawls the real sample site through the add-on; the assertions are on the site's own request
log. The `kb crawl --redis` runs into PostgreSQL are in test_scaleout_kb.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sample_site.server import SampleSite

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.redis

WORKER = """\
import json, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

from crawler.shared.spider import SharedCrawlSpider

redis_url, job, out, *start_urls = sys.argv[1:]

class Follow(SharedCrawlSpider, Spider):
    name = "follow"
    allowed_domains = ["127.0.0.1", "127.0.0.2"]
    links = LinkExtractor(deny_extensions=[])

    async def start(self):
        for url in start_urls:
            yield self.make_request(url)

    def make_request(self, url):
        from scrapy import Request
        return Request(url, callback=self.parse)

    def parse(self, response):
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"url": response.url, "status": response.status}) + "\\n")
        if "html" in response.headers.get("Content-Type", b"").decode():
            for link in self.links.extract_links(response):
                yield self.make_request(link.url)

settings = {
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_DELAY": 0,
    "HTTPERROR_ALLOW_ALL": True,
}
if redis_url != "-":  # the add-on path: what `kb crawl --redis` and `scrapy crawl -s KB_REDIS_URL=` use
    settings.update({
        "ADDONS": {"crawler.shared.addon.RedisAddon": 0},
        "KB_REDIS_URL": redis_url,
        "KB_REDIS_JOB": job,
        "MAX_IDLE_TIME_BEFORE_CLOSE": 1,
    })
process = CrawlerProcess(settings)
process.crawl(Follow)
process.start()
"""


def start_worker(tmp_path: Path, redis_url: str, job: str, n: int, start_urls: list[str]) -> subprocess.Popen:
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / f"worker{n}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, str(script), redis_url, job, str(tmp_path / f"fetched{n}.jsonl"), *start_urls],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )


def gate(site: SampleSite, redis_url: str, workers: int, fast: float, timeout: float = 60) -> None:
    """Hold the site slow until ``workers`` workers have registered in the shared crawl, then speed it up.

    On a loaded 2-core machine one worker's start-up can take longer than the whole crawl of the small
    sample site; the test is about splitting work, so every worker must be there to take some.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.time() + timeout
    while time.time() < deadline:
        keys = list(client.scan_iter(f"{os.environ['KB_REDIS_PREFIX']}:*:workers"))
        if keys and client.hlen(keys[0]) >= workers:
            break
        time.sleep(0.05)
    site.latency = fast


def fetched(tmp_path: Path, n: int) -> list[str]:
    path = tmp_path / f"fetched{n}.jsonl"
    return [json.loads(line)["url"] for line in path.read_text().splitlines()] if path.exists() else []


def page_hits(site: SampleSite) -> dict[tuple[str, str], int]:
    hits: dict[tuple[str, str], int] = {}
    for r in site.requests:
        if r["path"] != "/robots.txt":
            hits[(r["site"], r["path"])] = hits.get((r["site"], r["path"]), 0) + 1
    return hits


@pytest.mark.slow
def test_two_workers_split_one_crawl_and_fetch_every_page_once(tmp_path: Path, redis_url: str) -> None:
    import redis

    with SampleSite(latency=0.02) as site:
        (tmp_path / "single").mkdir()
        single = start_worker(tmp_path / "single", "-", "-", 0, site.start_urls)
        assert single.wait(timeout=60) == 0, (tmp_path / "single" / "worker0.log").read_text()[-3000:]
        baseline = page_hits(site)
        site.reset_log()

        site.latency = 1.0
        workers = [start_worker(tmp_path, redis_url, "follow:test", n, site.start_urls) for n in (1, 2)]
        gate(site, redis_url, 2, fast=0.02)
        codes = [w.wait(timeout=60) for w in workers]
        logs = "\n".join((tmp_path / f"worker{n}.log").read_text()[-3000:] for n in (1, 2))
        assert codes == [0, 0], logs
        hits = page_hits(site)
        robots = sum(1 for r in site.requests if r["path"] == "/robots.txt")

    # every page of the single-process crawl, each fetched exactly once, split between the two workers
    assert len(hits) > 50
    assert set(hits) == set(baseline), (set(hits) ^ set(baseline), logs)
    assert {k: v for k, v in hits.items() if v != 1} == {}, logs
    one, two = fetched(tmp_path, 1), fetched(tmp_path, 2)
    assert len(one) + len(two) == len(hits)
    assert one and two, ("both workers took part", len(one), len(two), logs)
    assert robots <= 4, logs  # robots.txt: once per worker and site, never per page
    assert "seeder" in logs and "joined" in logs
    # the last worker out removed the crawl's keys: the next crawl starts afresh
    client = redis.Redis.from_url(redis_url)
    assert list(client.scan_iter(f"{os.environ['KB_REDIS_PREFIX']}*")) == []


@pytest.mark.slow
def test_a_worker_that_joins_late_fetches_nothing_twice(tmp_path: Path, redis_url: str) -> None:
    """A worker started after the seeder is already crawling joins the same crawl (no second seeding)."""
    with SampleSite(latency=0.05) as site:
        first = start_worker(tmp_path, redis_url, "follow:late", 1, site.start_urls)
        deadline = time.time() + 20
        while not fetched(tmp_path, 1) and time.time() < deadline:
            time.sleep(0.05)
        second = start_worker(tmp_path, redis_url, "follow:late", 2, site.start_urls)
        assert first.wait(timeout=60) == 0 and second.wait(timeout=60) == 0
        hits = page_hits(site)
    assert hits and max(hits.values()) == 1
    assert hits[("portal", "/")] == 1 and hits[("city", "/")] == 1


def wait_while_one_is_busy(redis_url: str, seconds: float, timeout: float = 60) -> None:
    """Return once one worker has been idle ``seconds`` while the other was busy (read from the states
    the workers publish); fail if a worker leaves meanwhile."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline, idle_since = time.time() + timeout, None
    while time.time() < deadline:
        keys = list(client.scan_iter(f"{os.environ['KB_REDIS_PREFIX']}:*:workers"))
        busy = sorted(state.split()[1] == b"1" for state in client.hgetall(keys[0]).values()) if keys else []
        if idle_since is not None:
            assert len(busy) == 2, "a worker left while the other was busy"
        if busy == [False, True]:
            idle_since = idle_since or time.time()
            if time.time() - idle_since >= seconds:
                return
        elif len(busy) == 2:
            idle_since = None
        time.sleep(0.05)
    raise AssertionError("never saw one worker idle while the other was busy")


@pytest.mark.slow
def test_a_worker_stays_while_another_is_busy(tmp_path: Path, redis_url: str) -> None:
    """One start URL: one worker holds the crawl's only request (slow), the other finds the queue empty.
    That one stays, past MAX_IDLE_TIME_BEFORE_CLOSE, until the first page's links come; then both share
    the rest."""
    with SampleSite(latency=3.0) as site:
        home = site.url("portal", "/")
        workers = [start_worker(tmp_path, redis_url, "follow:stay", n, [home]) for n in (1, 2)]
        wait_while_one_is_busy(redis_url, 2.5)  # longer than MAX_IDLE_TIME_BEFORE_CLOSE (1 s) + 1 s
        site.latency = 0.02
        codes = [w.wait(timeout=60) for w in workers]
        hits = page_hits(site)
    logs = "\n".join((tmp_path / f"worker{n}.log").read_text()[-3000:] for n in (1, 2))
    assert codes == [0, 0], logs
    assert fetched(tmp_path, 1) and fetched(tmp_path, 2), logs
    assert len(hits) > 20 and max(hits.values()) == 1


def test_start_requests_travel_as_json_and_come_back_whole() -> None:
    """The seeder's start requests go through the start-URL queue as JSON: validators, priority, meta,
    callbacks and bytes that are not UTF-8 come back as they were."""
    from scrapy import Request, Spider

    from crawler.shared import codec
    from crawler.shared.spider import SharedCrawlSpider

    class Probe(SharedCrawlSpider, Spider):
        name = "probe"

        def page(self, response):  # type: ignore[no-untyped-def]
            pass

        def failed(self, failure):  # type: ignore[no-untyped-def]
            pass

    spider = Probe()
    sent = Request(
        "http://127.0.0.1:1/q/1.html",
        callback=spider.page,
        errback=spider.failed,
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Sat, 01 Jan 2026 00:00:00 GMT"},
        priority=-7,
        meta={"page_url": "http://127.0.0.1:1/q/1.html", "known": True, "download_maxsize": 10},
        body=b"\xff\x00caf\xc3\xa9",
        method="POST",
    )
    data = codec.dumps(sent.to_dict(spider=spider))
    got = spider.make_request_from_data(data.encode("utf-8"))
    assert (got.url, got.method, got.body, got.priority, got.meta) == (
        sent.url, sent.method, sent.body, sent.priority, sent.meta,
    )
    assert got.headers == sent.headers
    assert got.callback == spider.page and got.errback == spider.failed
    # what an operator may push by hand (scrapy-redis's format): a bare URL
    bare = spider.make_request_from_data(b'{"url": "http://127.0.0.1:1/"}')
    assert bare.url == "http://127.0.0.1:1/" and bare.method == "GET"
    with pytest.raises(TypeError, match="does not fit in JSON"):
        codec.dumps(Request("http://127.0.0.1:1/", meta={"seen": {1, 2}}).to_dict())


def test_redis_settings_use_the_prefix_and_a_fresh_crawl(redis_url: str) -> None:
    from crawler.shared.addon import redis_settings
    from crawler.shared.join import job_name

    job = job_name("discover", ["http://127.0.0.1:1/", "http://127.0.0.2:1/"])
    assert job == job_name("discover", ["http://127.0.0.2:1/", "http://127.0.0.1:1/"])  # order-free
    first = redis_settings(redis_url, job)
    second = redis_settings(redis_url, job)
    prefix = os.environ["KB_REDIS_PREFIX"]
    a, b = first["KB_REDIS_CRAWL"], second["KB_REDIS_CRAWL"]
    assert a.seeder and not b.seeder and a.crawl_id == b.crawl_id  # the second joins the first
    assert first["SCHEDULER_QUEUE_KEY"].startswith(f"{prefix}:{job}:{a.crawl_id}")
    assert first["REDIS_START_URLS_KEY"] == a.start_key and a.start_key.startswith(f"{prefix}:{job}:{a.crawl_id}")
    assert first["SCHEDULER_PERSIST"] is True and first["SCHEDULER_IDLE_BEFORE_CLOSE"] == 0
    assert first["MAX_IDLE_TIME_BEFORE_CLOSE"] >= 1  # 0 would mean: never close
    other = redis_settings(redis_url, job_name("discover", ["http://127.0.0.3:1/"]))
    assert other["KB_REDIS_CRAWL"].seeder  # another job is another crawl


def test_unreachable_redis_is_one_clear_error() -> None:
    from crawler.shared.addon import redis_settings
    from crawler.shared.join import RedisUnavailable, check_redis

    with pytest.raises(RedisUnavailable, match="cannot reach Redis at redis://127.0.0.1:9/0"):
        redis_settings("redis://127.0.0.1:9/0", "x")
    with pytest.raises(RedisUnavailable, match="cannot reach Redis at redis://127.0.0.1:9/0"):
        check_redis("redis://127.0.0.1:9/0")


ROBOTS_PROBE = """\
import json, sys
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

middleware, out, *urls = sys.argv[1:]

class Probe(Spider):
    name = "probe"

    async def start(self):
        for url in urls:
            yield Request(url, dont_filter=True, callback=self.parse)

    def parse(self, response):
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(response.url + "\\n")

settings = {"ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
if middleware == "fixed":
    from crawler.robots import MIDDLEWARES
    settings["DOWNLOADER_MIDDLEWARES"] = MIDDLEWARES
process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
"""


def test_every_request_waiting_for_robots_txt_obeys_it(tmp_path: Path) -> None:
    """Many first requests to one site at once (a worker's first batch from the queue) all obey robots.txt."""
    script = tmp_path / "probe.py"
    script.write_text(ROBOTS_PROBE, encoding="utf-8")
    out = tmp_path / "fetched.txt"
    with SampleSite() as site:
        private = next(p["path"] for p in SampleSite.manifest(1)["pages"] if p["kind"] == "robots_disallowed")
        urls = [site.url("portal", "/")] + [site.url("portal", f"{private}?n={n}") for n in range(6)]
        result = subprocess.run(
            [sys.executable, str(script), "fixed", str(out), *urls],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert site.hits("portal", private) == 0
    assert out.read_text().splitlines() == [site.url("portal", "/")]


def test_spider_job_names_the_spider_and_its_targets() -> None:
    from scrapy import Spider

    from crawler.shared.join import job_name, spider_job

    class Discover(Spider):
        name = "discover"

    a = spider_job(Discover(start_url="http://127.0.0.1:1/"))
    assert a == spider_job(Discover(start_url="http://127.0.0.1:1/"))
    assert a != spider_job(Discover(start_url="http://127.0.0.2:1/"))
    assert a.startswith("discover:") and a != job_name("discover", [])


def test_the_project_middlewares_survive_in_a_worker(redis_url: str) -> None:
    """`kb crawl --redis` lays redis_settings over the project's: the add-on merges, never replaces."""
    from crawler.launch import crawl_settings
    from crawler.shared.addon import RedisAddon, redis_settings

    settings = crawl_settings(db="sqlite://", extra=redis_settings(redis_url, "discover:merge"))
    RedisAddon(crawler=None).update_settings(settings)
    downloader = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert downloader["crawler.middlewares.BackoffRetryMiddleware"] == 550  # the project's, kept
    assert downloader["crawler.robots.RobotsTxtMiddleware"] == 100
    assert downloader["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert "crawler.pipelines.KBPipeline" in settings.getdict("ITEM_PIPELINES")
    assert "crawler.shared.workers.SharedCrawlWorker" in settings.getdict("EXTENSIONS")
    assert "crawler.extensions.Progress" in settings.getdict("EXTENSIONS")
    assert settings.get("SCHEDULER") == "scrapy_redis.scheduler.Scheduler"
