"""What every spider shares: Snapshot items from responses and from failures, conditional revisits.

Spiders never write to the KB: they yield :class:`kb.snapshot.Snapshot` items and the pipeline ingests
them. The KB's known pages (with their validators) come in as the ``known`` argument, or are read once
when the spider opens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawler.render import render_meta
from crawler.resolver import refusal
from crawler.robots import UNAVAILABLE
from crawler.shared.spider import SharedCrawlSpider
from extract import extract_page, garbage_reason
from kb import clock, revisit
from kb.revisit import KnownPage
from kb.snapshot import Snapshot
from sites import profiles
from sites.scope import Scope, is_loopback_name, is_web_url, origin
from sites.urls import canonicalize, page_url


class OutOfScope(ValueError):
    """A start or sitemap URL the crawler will never fetch (another scheme, no host): one line."""


class OneLineRefusal(logging.Filter):
    """``scrapy crawl discover -a start_url=file:///...`` ends in one line, not asyncio's traceback of the
    spider's construction: the refusal is the operator's input, not a crawler fault (exit code 1 stays)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], OutOfScope):
            record.msg, record.args = f"refused: {record.exc_info[1]}", ()
            record.exc_info, record.exc_text = None, None
        return True


def web_urls(urls: list[str], what: str) -> list[str]:
    """``urls`` when every one is http(s) with a host; else :class:`OutOfScope` naming the first that is not.

    ``kb crawl`` checks its own options first; this is the same refusal for ``scrapy crawl`` / scrapyd.
    """
    for url in urls:
        if not is_web_url(url):
            raise OutOfScope(f"{what} must be an http(s) URL with a host, not {url!r}: nothing else is fetched")
    return urls

T = TypeVar("T")


async def off_reactor(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on the reactor's thread pool: CPU work on a page while downloads go on."""
    return await maybe_deferred_to_future(threads.deferToThread(function, *args))


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """``-a start_url=a,b`` from ``scrapy crawl`` or a list from ``kb crawl``."""
    if not value:
        return []
    if isinstance(value, str):
        return [u.strip() for u in value.split(",") if u.strip()]
    return [u for u in value if u]


def failure_kind(failure: Failure) -> tuple[str, str]:
    """A fault as (kind, detail): the words the run's error counts and FetchError rows use.

    Scrapy >= 2.19 wraps Twisted's errors in its own (``DownloadTimeoutError``, ``ResponseDataLossError``
    ...); the Twisted ones are still matched for older downloaders and other handlers.
    """
    exc = failure.value
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if failure.check(HttpError):
        status = exc.response.status
        return ("http_429" if status == 429 else f"http_{status // 100}xx"), f"HTTP {status}"
    if failure.check(IgnoreRequest):
        text = str(exc)
        low = text.lower()
        if low.startswith(UNAVAILABLE):
            return "robots_unavailable", text
        if "robots.txt" in low:
            return "robots", text
        if low.startswith("offsite_redirect"):
            return "offsite_redirect", text
        if "redirect" in low:
            return "redirect_loop", text
        if "maxsize" in low or "max size" in low or "larger than" in low:
            return "too_large", text
        return "ignored", text
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout", detail
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns", detail
    if failure.check(ResponseDataLossError):
        return "truncated", detail
    if failure.check(DownloadCancelledError):
        return "too_large", detail
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError, ConnectionLost, ConnectError):
        return "connection", detail
    if failure.check(DownloadFailedError, ResponseFailed):
        reasons = " ".join(repr(r.value) for r in getattr(exc, "reasons", [])) or str(exc)
        if "DataLoss" in reasons:
            return "truncated", detail
        return "connection", detail
    return "error", detail


class KBSpider(SharedCrawlSpider, scrapy.Spider):
    """Base spider: profile lookup, known pages, items from responses and failures."""

    def __init__(
        self,
        *args: Any,
        start_url: str | list[str] | None = None,
        site: str | list[str] | None = None,
        known: list[KnownPage] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_names = split_urls(site)  # one or more profiles (``-a site=a,b`` or ``--site`` repeated)
        self.site_profiles = [profiles.get(name) for name in self.site_names]
        named = web_urls(split_urls(start_url), "a start URL")
        given = [canonicalize(u) for u in named]
        self.start_urls_given = list(given)
        domains: list[str] = []
        for profile in self.site_profiles:
            domains += list(profile.allowed_domains or profile.hosts)
            # a site starts at its profile's start URLs unless URLs on its hosts were given
            if not any(profile.matches(u) for u in given) and (len(self.site_profiles) > 1 or not given):
                self.start_urls_given += [canonicalize(u) for u in profile.start_urls]
        scope_urls = [*self.start_urls_given, *(u for p in self.site_profiles for u in p.sitemaps)]
        self.scope = Scope.of(scope_urls, domains)  # what this crawl may fetch (sites.scope)
        # No site and no start URL (a refresh of the whole KB): each known page's own site is its scope.
        self.per_page_scope = not self.site_profiles and not self.start_urls_given
        self.allowed_domains = sorted(self.scope.domains | {o[1] for o in self.scope.origins})
        self._page_scopes: dict[Any, Scope] = {}
        # Hosts named on the command line as this machine (``--start-url http://127.0.0.1:PORT/``): the
        # resolver lets them connect to loopback (crawler.resolver); any other private address needs the
        # site's profile to say ``allow_private = true``.
        self.loopback_named = {o[1] for u in named if (o := origin(u)) and is_loopback_name(o[1])}
        self._known_arg = known
        self.known: dict[str, KnownPage] = {}
        self.body_hashes: dict[str, str] = {}
        # Canonical URLs this spider has asked for: links to them are skipped before a Request is even
        # built (the dupefilter would drop them anyway, after the spider middlewares' work).
        self.requested: set[str] = set()
        self.site_requests: dict[str, int] = {}  # site -> pages asked for (its page budget counts these)
        self.budget_reached: dict[str, int] = {}  # site -> its page budget, once reached (the run records it)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        asyncio_log = logging.getLogger("asyncio")  # where a failed spider construction is reported
        if not any(isinstance(f, OneLineRefusal) for f in asyncio_log.filters):
            asyncio_log.addFilter(OneLineRefusal())
        return super().from_crawler(crawler, *args, **kwargs)

    # --- the KB's known pages --------------------------------------------------------------------

    def load_known(self) -> None:
        self._known_from_kb = self._known_arg is None
        if self._known_arg is None:
            from kb.db import session

            with session(self.settings.get("KB_DB_URL"), readonly=True) as s:
                self._known_arg = [k for name in self.site_names or [None] for k in revisit.known_pages(s, site=name)]
        if self.per_page_scope or (self.site_names and self._known_from_kb):
            # A refresh of the whole KB: every known page, each in its own site's scope. A named site:
            # the KB's pages of that site, on whatever port they were found (a profile names hosts only).
            self.known = {k.url: k for k in self._known_arg if is_web_url(k.url)}
            for url in self.known:
                self.scope |= self.page_scope(url) if self.per_page_scope else Scope.of([url])
        else:
            self.known = {k.url: k for k in self._known_arg if self.in_scope(k.url)}
        self.body_hashes = self._body_hashes()

    def _body_hashes(self) -> dict[str, str]:
        """url -> stored body hash for the known pages, in one query (a 304 reads its links from it)."""
        if not self.known:
            return {}
        from kb.db import session

        with session(self.settings.get("KB_DB_URL"), readonly=True) as s:
            return revisit.body_hashes(s, self.known)

    def budget_left(self, url: str | None = None) -> bool:
        """False once the spider has asked for ``--max-pages`` pages (KB_MAX_PAGES): it stops adding more;
        and, for ``url``, once its site had its page budget (the profile's ``max_pages``, else
        KB_SITE_MAX_PAGES): a site that never ends (a calendar, a session id in every link) stops there,
        counted in ``kb/page_budget/<site>`` and named in the run's sites table.

        CLOSESPIDER_PAGECOUNT alone lets every request already queued in the downloader finish (a
        limit of 10 fetched 28); counting our own requests keeps the limit a limit.
        """
        if not hasattr(self, "crawler"):
            return True
        limit = self.settings.getint("KB_MAX_PAGES")
        if limit and len(self.requested) >= limit:
            return False
        if url is None:
            return True
        profile = self.profile_for(url)
        budget = profile.max_pages or self.settings.getint("KB_SITE_MAX_PAGES")
        if not budget or self.site_requests.get(profile.name, 0) < budget:
            return True
        if profile.name not in self.budget_reached:
            self.budget_reached[profile.name] = budget
            self.crawler.stats.set_value(f"kb/page_budget/{profile.name}", budget)
            self.logger.warning("site %s: page budget reached (%d pages); no more of its pages", profile.name, budget)
        return False

    def stored_body(self, url: str) -> bytes | None:
        """The body the KB stored for ``url`` when it last came in full (None when it has none)."""
        from kb.db import session

        digest = self.body_hashes.get(url)
        if not digest:
            return None
        with session(self.settings.get("KB_DB_URL"), readonly=True) as s:
            return revisit.stored_body(s, digest)

    def in_scope(self, url: str, page: str | None = None) -> bool:
        """May the crawl fetch ``url`` (for ``page``: the page a link, redirect or request is for)?

        In a refresh of the whole KB a page's own site is its scope: a known page redirecting to
        another host is not followed even when that host is another known site.
        """
        if self.per_page_scope and page:
            return self.page_scope(page).allows(url)
        return self.scope.allows(url)

    def page_scope(self, url: str) -> Scope:
        """One page's own site: its origin, and its profile's hosts when it has one."""
        key = origin(url)
        if key not in self._page_scopes:
            profile = profiles.for_url(url)
            self._page_scopes[key] = Scope.of([url], profile.allowed_domains or profile.hosts)
        return self._page_scopes[key]

    def allows_private(self, host: str) -> bool:
        """May ``host`` resolve to a loopback / private address (asked by crawler.resolver at connect)?"""
        if host in self.loopback_named:
            return True
        if self.per_page_scope and is_loopback_name(host):
            return True  # a refresh of the whole KB: only known pages' own sites pass the scope, and a
            # loopback literal among them was named on the command line of the crawl that found it
        literal = f"[{host}]" if ":" in host else host
        return profiles.for_url(f"http://{literal}/").allow_private

    def request(
        self,
        url: str,
        callback: Any = None,
        *,
        priority: int = 0,
        meta: dict | None = None,
        dont_filter: bool = False,
        known: KnownPage | None = None,
    ) -> scrapy.Request:
        """A request for ``url``: carries our stored validators when the KB knows the page (``known``,
        else looked up in :attr:`known`)."""
        url = canonicalize(url)
        self.requested.add(url)
        profile = self.profile_for(url)
        self.site_requests[profile.name] = self.site_requests.get(profile.name, 0) + 1
        headers = {}
        known = known or self.known.get(url)
        if profile.renders(url):  # by browser, unconditionally: a script-built shell vouches for nothing
            meta = {**render_meta(), **(meta or {})}
        elif known is not None and known.status != "gone":
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            url,
            callback=callback or self.parse,
            errback=self.failed,
            headers=headers,
            priority=priority,
            meta={"page_url": url, "known": known is not None, **(meta or {})},
            dont_filter=dont_filter,
        )

    # --- items ------------------------------------------------------------------------------------

    @property
    def site_name(self) -> str | None:
        """The crawl's site profiles as the run records them (``a,b`` for several), None for none."""
        return ",".join(self.site_names) or None

    def profile_for(self, url: str) -> profiles.Profile:
        """The named site whose hosts cover ``url`` (the one named, when one is), else by URL. Its name
        is the page's site, and the run's site row it counts in (``kb.run_sites``)."""
        if len(self.site_profiles) == 1:
            return self.site_profiles[0]
        for profile in self.site_profiles:
            if profile.matches(url):
                return profile
        return profiles.for_url(url)

    def sites_expected(self) -> list[str]:
        """The sites this crawl sets out to fetch: every site named, and the sites of its start URLs."""
        return sorted({*self.site_names, *(self.profile_for(u).name for u in self.start_urls_given)})

    def snapshot(self, url: str, status: int, **fields: Any) -> Snapshot:
        profile = self.profile_for(url)
        return Snapshot(
            url=url,
            status=status,
            fetched_at=clock.now(),
            site=profile.name,
            priority=profile.priority,
            gone_after=profile.gone_after,
            **fields,
        )

    async def response_item(self, response: Response) -> tuple[Snapshot | None, Any]:
        """The Snapshot for a response and its extraction.

        Listing and off-topic pages are items too: the KB keeps their validators, so the next run
        revisits them with a conditional request (ingest stores no entry for them). The extraction runs on
        a worker thread (the same pure function): a heavy page must not stall every download meanwhile.
        """
        url = response.meta.get("page_url") or canonicalize(response.url)
        headers = response.headers
        validators = {
            "etag": (headers.get(b"ETag") or b"").decode("latin-1") or None,
            "last_modified": (headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            "fetched_url": response.url,
        }
        if response.status in (304, 404, 410):
            return self.snapshot(url, response.status, **validators), None
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1") or None
        if isinstance(response, TextResponse) and (reason := garbage_reason(response.body)):
            self.crawler.stats.inc_value(f"kb/error/{reason}")
            detail = f"HTTP {response.status} {content_type or 'no content type'}, {len(response.body)} bytes"
            return self.snapshot(url, response.status, error=reason, error_detail=detail, **validators), None
        page = await off_reactor(extract_page, response.body, response.url, content_type)
        url = page_url(response.url, page.canonical_url)
        if not isinstance(response, TextResponse) and not (response.meta.get("known") or url in self.known):
            return None, page  # an image or a PDF linked from a page: nothing to keep
        item = self.snapshot(
            url, response.status, content_type=content_type, body=response.body, page=page, **validators
        )
        return item, page

    def failed(self, failure: Failure) -> Iterable[Snapshot]:
        """Every fault becomes an item: the pipeline records it against its URL; no entry is touched."""
        request = failure.request
        kind, detail = failure_kind(failure)
        # The resolver's refusal surfaces as a failed lookup (of the page, or of its robots.txt first)
        if kind in ("dns", "robots_unavailable") and (why := refusal(urlsplit(request.url).hostname)):
            kind, detail = "private_address", f"refused: {why}; allow_private = true in its profile allows it"
        status = failure.value.response.status if failure.check(HttpError) else 0
        url = request.meta.get("page_url") or canonicalize(request.url)
        self.crawler.stats.inc_value(f"kb/error/{kind}")
        yield self.snapshot(url, status, error=kind, error_detail=detail, fetched_url=request.url)
