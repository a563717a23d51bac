"""Downloader middlewares for HTTP concerns Scrapy leaves open: backoff honouring Retry-After,
robots.txt Crawl-delay enforcement, and refusing redirects that leave the allowed domains."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from protego import Protego
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

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

    The wait also raises the domain's download delay, so the whole site slows down, not just this URL.
    A Retry-After beyond RETRY_AFTER_MAX is not waited for: the response goes on as a failed fetch.
    """

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            return response
        if wait is None:
            wait = self.backoff_base * (2 ** request.meta.get("retry_times", 0))
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        slot = _slot(self.crawler, request)
        if slot is not None and slot.delay < wait:
            slot.delay = wait
        self.crawler.stats.inc_value("kb/retry_waits")
        if wait > 0:
            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return retry


class CrawlDelayMiddleware:
    """Honour robots.txt ``Crawl-delay`` (Scrapy parses robots.txt but does not enforce it)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent = crawler.settings.get("USER_AGENT", "*")
        self.delays: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        delay = self.delays.get(urlsplit(request.url).netloc)
        if delay:
            slot = _slot(self.crawler, request)
            if slot is not None and slot.delay < delay:
                slot.delay = delay
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if urlsplit(request.url).path == "/robots.txt" and response.status == 200:
            try:
                delay = Protego.parse(response.text).crawl_delay(self.user_agent)
            except Exception:  # an unreadable robots.txt has no delay to honour
                delay = None
            if delay:
                self.delays[urlsplit(request.url).netloc] = float(delay)
                self.crawler.stats.set_value(f"kb/crawl_delay/{urlsplit(request.url).netloc}", float(delay))
        return response


class OffDomainRedirectMiddleware:
    """Refuse a redirect that leaves the spider's allowed domains (recorded as ``offsite_redirect``).

    Sits before RedirectMiddleware in the response chain, so the redirect is never followed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffDomainRedirectMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        allowed = getattr(self.crawler.spider, "allowed_domains", None) or []
        host = (urlsplit(target).hostname or "").lower()
        if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            raise IgnoreRequest(f"offsite_redirect: {request.url} -> {target}")
        return response
