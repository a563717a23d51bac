"""Downloader middlewares for HTTP concerns Scrapy leaves open: backoff honouring Retry-After,
robots.txt Crawl-delay enforcement, and refusing redirects (3xx, meta refresh) that leave the crawl's scope."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import get_meta_refresh
from twisted.internet import reactor, task
from w3lib.url import safe_url_string

from crawler.scope import count_drop
from sites.scope import is_web_url
from sites.urls import in_domains

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _slot(crawler: Crawler, request: Request):  # type: ignore[no-untyped-def]
    downloader = crawler.engine.downloader if crawler.engine else None
    if downloader is None:
        return None
    return downloader.slots.get(downloader.get_slot_key(request))


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 429 / 5xx after a wait: the server's Retry-After when it gives one, else exponential backoff.

    The wait also raises the domain's download delay, so the whole site slows down, not just this URL;
    each later good answer from that site halves it back toward the floor (DOWNLOAD_DELAY), so one 429
    does not slow a night's crawl for good. While raised, the slot's jitter (DOWNLOAD_DELAY_JITTER) is
    off: ±50% around a Retry-After would send the next request after half of what the site asked for.
    A Retry-After beyond RETRY_AFTER_MAX is not waited for: the response goes on as a failed fetch.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)
        self.floor = settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self.raised: dict[int, float] = {}  # id() of slots whose delay a backoff raised -> their jitter

    def base(self, request: Request) -> float:
        """The first retry's wait: the request's site's (crawler.politeness), else the crawl's."""
        return float(request.meta.get("kb_backoff_base", self.backoff_base))

    def _raise(self, request: Request, wait: float) -> None:
        slot = _slot(self.crawler, request)
        if slot is not None and slot.delay < wait:
            slot.delay = wait
            self.raised.setdefault(id(slot), slot.jitter)
            slot.jitter = 0.0

    def _recover(self, request: Request) -> None:
        slot = _slot(self.crawler, request)
        if slot is None or id(slot) not in self.raised:
            return
        floor = float(request.meta.get("kb_delay_floor", self.floor))  # the site's own (crawler.politeness)
        slot.delay = max(floor, slot.delay / 2)
        if slot.delay <= floor + 1e-3:
            slot.jitter = self.raised.pop(id(slot))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            if response.status < 400:
                self._recover(request)
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > float(request.meta.get("kb_retry_after_max", self.retry_after_max)):
            return response
        if wait is None:
            wait = self.base(request) * (2 ** request.meta.get("retry_times", 0))
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await self._back_off(request, wait)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        """A timeout, reset or refused connection is retried after the same backoff, not at once:
        a site that is struggling gets breathing room instead of three quick hits."""
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._back_off(request, self.base(request) * (2 ** request.meta.get("retry_times", 0)))
        return retry

    async def _back_off(self, request: Request, wait: float) -> None:
        """Slow the request's whole site to ``wait`` between requests, and wait that long ourselves."""
        self._raise(request, wait)
        self.crawler.stats.inc_value("kb/retry_waits")
        if wait > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))


class OneLineDownloadErrors(logging.Filter):
    """Drop the traceback from Scrapy's "Error downloading .../robots.txt" log line.

    A site that is down or refuses connections is an everyday fault, recorded against its URL in the
    KB; a 60-line traceback for it in a nightly's mail hides what matters. The one-line message stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            from scrapy.exceptions import (
                CannotResolveHostError,
                DownloadConnectionRefusedError,
                DownloadFailedError,
                DownloadTimeoutError,
            )

            everyday = (
                CannotResolveHostError,
                DownloadConnectionRefusedError,
                DownloadFailedError,
                DownloadTimeoutError,
            )
            if isinstance(record.exc_info[1], everyday):
                record.exc_info, record.exc_text = None, None
        return True


def quiet_robots_errors() -> None:
    robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, OneLineDownloadErrors) for f in robots_log.filters):
        robots_log.addFilter(OneLineDownloadErrors())


class CrawlDelayMiddleware:
    """Honour robots.txt ``Crawl-delay`` (Scrapy parses it but does not enforce it).

    Scrapy's RobotsTxtMiddleware sends ``robots_parsed`` with its parser; we keep the delay per host and
    raise that host's download-slot delay to it before each request, without jitter (±50% around it
    would go below what the site asked for half the time). AutoThrottle is told not to adjust those
    requests (``autothrottle_dont_adjust_delay``), so it can never lower the delay below the site's.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT", "*"
        )
        self.max_delay = crawler.settings.getfloat("CRAWL_DELAY_MAX", 60.0)
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.robots_parsed, signal=signals.robots_parsed)
        quiet_robots_errors()  # this middleware works alongside robots.txt: its fetch faults are one line
        return mw

    def robots_parsed(self, robotparser, request: Request) -> None:  # type: ignore[no-untyped-def]
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # an unreadable robots.txt has no delay to honour
            delay = None
        if delay:
            netloc = urlsplit(request.url).netloc
            self.delays[netloc] = min(float(delay), self.max_delay)
            self.crawler.stats.set_value(f"kb/crawl_delay/{netloc}", self.delays[netloc])

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        delay = self.delays.get(urlsplit(request.url).netloc)
        if delay:
            request.meta["autothrottle_dont_adjust_delay"] = True
            slot = _slot(self.crawler, request)
            if slot is not None:
                slot.delay = max(slot.delay, delay)
                slot.jitter = 0.0
        return None


def _exact(url: str) -> str:
    return url.split("#", 1)[0]


def redirect_target(request: Request, response: Response, settings: Any) -> str | None:
    """Where a response sends the crawl: its 3xx Location, or a ``<meta http-equiv=refresh>`` that
    Scrapy's MetaRefreshMiddleware would follow; None when it sends it nowhere."""
    if request.meta.get("dont_redirect"):
        return None
    if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
        location = safe_url_string(response.headers[b"Location"].decode("latin-1"))
        return urljoin(request.url, location)  # a protocol-relative //host:port/ keeps the scheme
    if not isinstance(response, HtmlResponse) or not settings.getbool("METAREFRESH_ENABLED", True):
        return None
    interval, url = get_meta_refresh(response, ignore_tags=settings.getlist("METAREFRESH_IGNORE_TAGS"))
    if url and interval is not None and interval < settings.getint("METAREFRESH_MAXDELAY", 100):
        return url
    return None


class OffDomainRedirectMiddleware:
    """Refuse a redirect (3xx or meta refresh) that leaves the crawl's scope: another scheme, host or
    port (recorded as ``offsite_redirect``, counted as ``offsite/scheme`` or ``offsite/filtered``), and one
    that comes back to a URL of its own chain (``redirect_loop``).

    Sits before RedirectMiddleware and MetaRefreshMiddleware in the response chain, so the redirect is
    never followed. Without the loop check, A -> B -> A ends silently: the dupefilter drops the second A
    and nothing is recorded.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffDomainRedirectMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        target = redirect_target(request, response, self.crawler.settings)
        if target is None:
            return response
        spider = self.crawler.spider
        in_scope = getattr(spider, "in_scope", None)
        if in_scope is not None:
            allowed = in_scope(target, request.meta.get("page_url"))
        else:  # not one of our spiders: its allowed_domains (Scrapy's rule), http(s) only
            allowed = is_web_url(target) and in_domains(target, getattr(spider, "allowed_domains", None) or [])
        if not allowed:
            count_drop(self.crawler.stats, target)
            raise IgnoreRequest(f"offsite_redirect: {request.url} -> {target[:300]}")
        if response.status // 100 != 3:
            return response  # a page refreshing itself (content="60") is a page, not a loop
        chain = [*request.meta.get("redirect_urls", []), request.url]
        # Exact URLs (fragment aside), not canonical ones: a site that redirects /a to /a?spm=x is
        # answering, not looping; the page is stored under its canonical URL either way.
        if _exact(target) in {_exact(u) for u in chain}:
            raise IgnoreRequest(f"redirect_loop: {' -> '.join([*chain, target])}"[:500])
        return response
