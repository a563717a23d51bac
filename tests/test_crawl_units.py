"""The crawler's plain functions: canonical URLs, Retry-After, fault kinds, garbage bodies, stored links,
profile politeness, job folders. Fast (no crawl); the real crawls are in the other test_crawl_* files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extensions import progress_row
from crawler.launch import RESUMABLE_MARK, prepare_jobdir
from crawler.middlewares import OffDomainRedirectMiddleware, retry_after_seconds
from crawler.politeness import site_settings
from crawler.spiders.base import failure_kind
from crawler.spiders.discover import stored_links
from sites.profiles import Profile
from sites.urls import canonicalize, page_url

SAMPLE = Path(__file__).resolve().parent.parent / "sample_site" / "site" / "edition1"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        (
            "https://x.cn/ask/1.html?utm_source=wx&utm_medium=s&from=share&spm=a.b.c",
            "https://x.cn/ask/1.html",
        ),
        ("https://x.cn/q?id=7&fbclid=z&gclid=y", "https://x.cn/q?id=7"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001/"),
        ("https://x.cn:443/p?from_source=a&page=2", "https://x.cn/p?page=2"),
        # non-ASCII as Scrapy sends it (UTF-8 escapes, upper-case hex), whichever form the link had
        ("http://a.cn/问答/1.html?q=医保", "http://a.cn/%E9%97%AE%E7%AD%94/1.html?q=%E5%8C%BB%E4%BF%9D"),
        ("http://a.cn/%e9%97%ae%e7%ad%94/1.html", "http://a.cn/%E9%97%AE%E7%AD%94/1.html"),
        ("http://a.cn/a b.html", "http://a.cn/a%20b.html"),
        ("http://a.cn/ask/1.html;jsessionid=0A1B2C?id=3&PHPSESSID=x", "http://a.cn/ask/1.html?id=3"),
    ],
)
def test_canonicalize_drops_tracking_and_fragments(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical


def test_canonical_url_is_the_url_scrapy_fetches() -> None:
    # A page's identity must not depend on whether it was reached by a link (raw href) or fetched.
    for raw in ("http://a.cn/问答/医保 1.html?x=报销#top", "http://a.cn/ask/1.html?b=2&a=1"):
        assert Request(canonicalize(raw)).url == canonicalize(raw)


def test_rel_canonical_is_honoured_on_the_same_host_only() -> None:
    assert page_url("http://a.cn/alias/2.html?from=x", "/qa/2.html") == "http://a.cn/qa/2.html"
    assert page_url("http://a.cn/qa/2.html", "http://evil.cn/qa/2.html") == "http://a.cn/qa/2.html"
    assert page_url("http://a.cn/qa/2.html?utm_source=x", None) == "http://a.cn/qa/2.html"
    assert page_url("http://a.cn/qa/2.html?id=1", "2.html") == "http://a.cn/qa/2.html"
    assert page_url("http://a.cn/", "http://a.cn/index.html") == "http://a.cn/index.html"


@pytest.mark.parametrize("canonical", ["/", "http://a.cn", "/qa/", "/qa", "../"])
def test_rel_canonical_to_the_home_page_or_a_folder_above_is_ignored(canonical: str) -> None:
    # A template that names the home page (or the section) as every page's canonical must not fold
    # all the questions into one page.
    assert page_url("http://a.cn/qa/2.html?from=x", canonical) == "http://a.cn/qa/2.html"


def redirect_verdict(chain: list[str], location: str, allowed: list[str]) -> str:
    """What OffDomainRedirectMiddleware does with a 302 to ``location`` at the end of ``chain``."""
    from scrapy import Spider
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider)
    crawler.spider = Spider("t", allowed_domains=allowed)
    mw = OffDomainRedirectMiddleware.from_crawler(crawler)
    request = Request(chain[-1], meta={"redirect_urls": chain[:-1]})
    response = Response(chain[-1], status=302, headers={"Location": location})
    try:
        mw.process_response(request, response)
    except IgnoreRequest as exc:
        return str(exc).split(":")[0]
    return "followed"


def test_redirects_off_domain_and_in_loops_are_refused_others_followed() -> None:
    a = "http://a.cn/ask/1.html"
    assert redirect_verdict([a], "http://b.cn/x.html", ["a.cn"]) == "offsite_redirect"
    assert redirect_verdict([a], "http://m.a.cn/ask/1.html", ["a.cn"]) == "followed"  # a subdomain
    assert redirect_verdict([a, "http://a.cn/b.html"], "/ask/1.html", ["a.cn"]) == "redirect_loop"
    assert redirect_verdict([a], "/ask/1.html#top", ["a.cn"]) == "redirect_loop"
    # The same page with a tracking parameter added is an answer, not a loop.
    assert redirect_verdict([a], "/ask/1.html?spm=a.b.c", ["a.cn"]) == "followed"
    assert redirect_verdict(["https://a.cn/ask/1.html"], a, ["a.cn"]) == "followed"


def test_retry_after_as_seconds_or_date() -> None:
    assert retry_after_seconds(b"7") == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds(later) or 0) <= 31
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:
        return Failure()


def test_fault_kinds() -> None:
    response = TextResponse("http://a.cn/x", status=503, body=b"")
    assert failure_kind(_failure(HttpError(response)))[0] == "http_5xx"
    assert failure_kind(_failure(HttpError(TextResponse("http://a.cn/x", status=429))))[0] == "http_429"
    assert failure_kind(_failure(DownloadTimeoutError("took longer")))[0] == "timeout"
    assert failure_kind(_failure(ResponseDataLossError()))[0] == "truncated"
    assert failure_kind(_failure(DownloadCancelledError("larger than download max size")))[0] == "too_large"
    assert failure_kind(_failure(DownloadFailedError("lost")))[0] == "connection"
    assert failure_kind(_failure(IgnoreRequest("Forbidden by robots.txt")))[0] == "robots"
    unavailable = IgnoreRequest("robots.txt unavailable (HTTP 503): http://a.cn/x not fetched")
    assert failure_kind(_failure(unavailable))[0] == "robots_unavailable"
    assert failure_kind(_failure(IgnoreRequest("redirect_loop: a -> b -> a")))[0] == "redirect_loop"
    bomb = "Ignored response because its body exceeded DOWNLOAD_MAXSIZE (8388608 B) during decompression."
    assert failure_kind(_failure(IgnoreRequest(bomb)))[0] == "too_large"


def test_stored_links_match_the_link_extractor_on_the_sample_pages() -> None:
    files = sorted(SAMPLE.glob("*/ask/*.html"))[:15] + sorted(SAMPLE.glob("*/index.html"))
    assert files
    extractor = LinkExtractor(unique=True)
    for path in files:
        body, url = path.read_bytes(), "http://127.0.0.1:9/ask/x.html"
        ours = {canonicalize(u) for u in stored_links(body, url)}
        theirs = {canonicalize(link.url) for link in extractor.extract_links(HtmlResponse(url, body=body))}
        assert ours - {canonicalize(url)} == theirs - {canonicalize(url)}, path.name  # "#top": itself


def test_stored_links_resolve_entities_and_base_and_skip_non_pages() -> None:
    body = (
        b'<html><head><base href="http://a.cn/dir/"></head><body>'
        b"<a href=\"q.html?x=1&amp;from=share\">q</a><a href='/img/p.png'>i</a>"
        b'<a href="javascript:void(0)">j</a><a href="mailto:x@a.cn">m</a><a class=x href=next.html>n</a>'
        b"</body></html>"
    )
    assert stored_links(body, "http://a.cn/start.html") == [
        "http://a.cn/dir/q.html?x=1&from=share",
        "http://a.cn/dir/next.html",
    ]


def test_profile_politeness_goes_on_each_sites_own_slot_never_crawl_wide() -> None:
    slow = Profile(
        name="slow-gov",
        hosts=("ybj.example.gov.cn",),
        politeness={"DOWNLOAD_DELAY": 5, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "AUTOTHROTTLE_MAX_DELAY": 60},
    )
    portal = Profile(name="portal", hosts=("m.example.com",), politeness={"DOWNLOAD_TIMEOUT": 7})
    rules = {"DOWNLOAD_DELAY": 5, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "AUTOTHROTTLE_MAX_DELAY": 60}
    alone = site_settings([slow], delay_given=False)
    assert alone == {
        "DOWNLOAD_SLOTS": {"ybj.example.gov.cn": {"delay": 5.0, "concurrency": 1}},
        "KB_SITE_POLITENESS": {"ybj.example.gov.cn": rules},
    }
    both = site_settings([slow, portal], delay_given=False)
    assert both["DOWNLOAD_SLOTS"] == alone["DOWNLOAD_SLOTS"]  # the portal keeps the crawl's pace
    assert both["KB_SITE_POLITENESS"]["m.example.com"] == {"DOWNLOAD_TIMEOUT": 7}
    given = site_settings([slow, portal], delay_given=True)  # --delay wins over a profile's delay
    assert given["DOWNLOAD_SLOTS"] == {"ybj.example.gov.cn": {"concurrency": 1}}
    assert "DOWNLOAD_DELAY" not in given["KB_SITE_POLITENESS"]["ybj.example.gov.cn"]
    assert site_settings([Profile(name="plain", hosts=("a.cn",))], delay_given=False) == {}


def test_a_sites_politeness_reaches_its_requests_and_its_autothrottle_only() -> None:
    """Timeout and retries as request meta for that site's hosts; AutoThrottle keeps that site's floor
    (Scrapy's own would pull a 5 s site down to the crawl-wide 1 s)."""
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.politeness import SiteAutoThrottle, SitePolitenessMiddleware, rules_for

    slow = Profile(
        name="slow-gov",
        hosts=("ybj.example.gov.cn",),
        politeness={"DOWNLOAD_DELAY": 5, "DOWNLOAD_TIMEOUT": 7, "RETRY_TIMES": 1, "AUTOTHROTTLE_MAX_DELAY": 9},
    )
    crawler = get_crawler(settings_dict={**site_settings([slow], delay_given=False), "AUTOTHROTTLE_ENABLED": True})
    mw = SitePolitenessMiddleware.from_crawler(crawler)
    theirs, other = Request("http://ybj.example.gov.cn/a"), Request("http://m.example.com/a")
    mw.process_request(theirs)
    mw.process_request(other)
    assert theirs.meta["download_timeout"] == 7 and theirs.meta["max_retry_times"] == 1
    assert theirs.meta["kb_delay_floor"] == 5
    assert not {"download_timeout", "max_retry_times", "kb_delay_floor"} & set(other.meta)

    throttle = SiteAutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 1.0, 30.0  # the crawl's (set when the spider opens)

    class Slot:
        delay = 5.0

    def adjusted(request: Request, latency: float) -> float:
        slot = Slot()
        throttle._site = rules_for(crawler, request)  # what _response_downloaded sets for the request
        throttle._adjust_delay(slot, latency, Response(request.url, status=200))
        return slot.delay

    assert adjusted(theirs, 0.01) == 5.0  # a fast answer never takes the site below its own floor
    assert adjusted(other, 0.01) == 2.505  # another site's slot comes down toward the crawl's 1 s
    assert adjusted(theirs, 60.0) == 9.0  # a slow answer raises the delay to the site's ceiling at most
    assert adjusted(other, 60.0) == 30.0


def test_job_folder_resumes_only_after_a_clean_stop(tmp_path: Path) -> None:
    job = tmp_path / "job"
    assert prepare_jobdir(job, resume=True) == (False, "")
    (job / "requests.seen").write_text("x")
    (job / RESUMABLE_MARK).write_text("stopped cleanly\n")
    resumed, note = prepare_jobdir(job, resume=True)
    assert resumed and "resuming" in note and (job / "requests.seen").exists()
    resumed, note = prepare_jobdir(job, resume=True)  # killed since: no mark
    assert not resumed and "not stopped cleanly" in note and not (job / "requests.seen").exists()


def test_progress_row_reads_scrapy_and_kb_stats() -> None:
    stats = {"response_received_count": 12, "scheduler/enqueued": 30, "scheduler/dequeued": 12}
    stats |= {"kb/new": 4, "kb/not_modified": 6, "kb/failed": 1}
    row = progress_row(stats)
    assert row["fetched"] == 12 and row["queued"] == 18
    assert (row["new"], row["304"], row["failed"], row["changed"]) == (4, 6, 1, 0)


def test_runs_left_running_by_a_dead_process_on_this_machine_are_closed(db_url: str) -> None:
    import json
    import subprocess
    import sys

    from kb import runs
    from kb.db import session
    from kb.models import Run
    from kb.runs import close_abandoned_runs, whoami

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    me = whoami()
    cases = {
        "dead": {**me, "pid": int(dead.stdout)},
        "alive": me,
        "elsewhere": {**me, "host": "another-machine", "pid": int(dead.stdout)},
        "before_reboot": {**me, "boot": "an-earlier-boot"},  # its pid may name a new process now
        "unknown": {},  # from before runs said who ran them
    }
    with session(db_url) as s:
        ids = {name: runs.start_run(s, "crawl", args=args).id for name, args in cases.items()}
        current = runs.start_run(s, "crawl", args=me).id
        assert sorted(close_abandoned_runs(s, current)) == sorted([ids["dead"], ids["before_reboot"]])
        status = {name: s.get(Run, i).status for name, i in ids.items()}
        assert status == {
            "dead": "interrupted",
            "alive": "running",
            "elsewhere": "running",
            "before_reboot": "interrupted",
            "unknown": "running",
        }
        assert f"noticed by run {current}" in json.loads(s.get(Run, ids["dead"]).args)["abandoned"]
        assert s.get(Run, current).status == "running"


def crawler_with_slot(delay: float, jitter: float):  # type: ignore[no-untyped-def]
    """A crawler whose downloader has one slot (for 127.0.0.1:8000), as the middlewares see it."""
    from types import SimpleNamespace

    from scrapy import Spider
    from scrapy.core.downloader import Slot
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider, {"DOWNLOAD_DELAY": delay, "RETRY_BACKOFF_BASE": 1.0})
    slot = Slot(concurrency=2, delay=delay, jitter=jitter)
    downloader = SimpleNamespace(slots={"127.0.0.1": slot}, get_slot_key=lambda r: "127.0.0.1")
    crawler.engine = SimpleNamespace(downloader=downloader)
    return crawler, slot


def test_crawl_delay_is_a_floor_the_jitter_never_goes_under() -> None:
    from crawler.middlewares import CrawlDelayMiddleware

    crawler, slot = crawler_with_slot(delay=0.05, jitter=0.5)
    mw = CrawlDelayMiddleware(crawler)
    mw.delays["127.0.0.1:8000"] = 2.0
    request = Request("http://127.0.0.1:8000/qa/1.html")
    mw.process_request(request)
    assert request.meta["autothrottle_dont_adjust_delay"]
    assert min(slot.download_delay() for _ in range(200)) == 2.0


def test_backoff_slows_the_site_without_jitter_then_recovers() -> None:
    from crawler.middlewares import BackoffRetryMiddleware

    crawler, slot = crawler_with_slot(delay=0.25, jitter=0.5)
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:8000/slow.html")
    mw._raise(request, 2.0)  # a 429 said Retry-After: 2
    assert min(slot.download_delay() for _ in range(200)) == 2.0  # not 1.0-3.0
    for expected in (1.0, 0.5, 0.25):  # each good answer halves the delay back to the floor
        mw._recover(request)
        assert slot.delay == expected
    assert slot.jitter == 0.5  # and the site's usual jitter is back


def test_a_crawl_that_may_ask_for_a_rendered_page_gets_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser handler is installed for a crawl of a rendering site, and for a refresh of the whole
    KB when any profile renders (else its pages would come back as their empty shells); never otherwise."""
    from crawler.launch import may_render

    (tmp_path / "js.toml").write_text('name = "js"\nhosts = ["js.example.cn"]\nrender_patterns = ["^/qa/"]\n')
    (tmp_path / "plain.toml").write_text('name = "plain"\nhosts = ["plain.example.cn"]\n')
    monkeypatch.setenv("KB_PROFILE_DIRS", str(tmp_path))
    assert may_render(["js"], []) and may_render(["plain", "js"], [])
    assert may_render([], ["http://js.example.cn/"])
    assert not may_render(["plain"], []) and not may_render([], ["http://plain.example.cn/"])
    assert may_render([], [])  # a refresh of every known page
    assert Profile(name="x", render_patterns=("^/qa/",)).renders("http://x.cn/qa/1.html")
    assert not Profile(name="x", render_patterns=("^/qa/",)).renders("http://x.cn/list/")
