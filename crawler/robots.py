"""robots.txt for every crawl: Scrapy's middleware with a fix for concurrent waiters (Scrapy 2.13+), and
RFC 9309's rule for a robots.txt that cannot be read (5xx, 429, network errors): fetch nothing there.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _RobotsBase
from scrapy.exceptions import IgnoreRequest

UNAVAILABLE = "robots.txt unavailable"  # crawler.spiders.base.failure_kind -> "robots_unavailable"
# DOWNLOADER_MIDDLEWARES entries that swap Scrapy's robots.txt middleware for the one below: in
# crawler/settings.py, and added by the shared crawl's add-on to any spider's.
MIDDLEWARES: dict[str, int | None] = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsTxtMiddleware": 100,
}


class Unavailable:
    """The parser of a robots.txt that could not be read: nothing on that site may be fetched.

    RFC 9309 2.3.1.4: a server error or an unreachable robots.txt means the rules are unknown and the
    crawler MUST assume complete disallow (Scrapy assumes the opposite: everything allowed). A 4xx
    (no robots.txt) still means no rules. A site whose robots.txt is down tonight is crawled tomorrow.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def allowed(self, url: str, user_agent: Any) -> bool:
        return False

    def sitemaps(self) -> list[str]:
        return []


class RobotsTxtMiddleware(_RobotsBase):  # type: ignore[misc,valid-type]
    """Scrapy's RobotsTxtMiddleware, with requests that wait for a robots.txt all getting its parser.

    A robots.txt answering 5xx / 429 or not answering at all refuses every page of its site
    (:class:`Unavailable`), each recorded as a ``robots_unavailable`` fault.

    Scrapy 2.13+ awaits the one shared Deferred from every waiting request; Twisted's asFuture callback
    returns None, so the second and later waiters get None, and None means "no robots.txt: allowed".
    A worker that starts by taking a batch of one site's URLs from the shared queue fetches
    robots-disallowed pages that way (seen here: /private/ on the sample site). Here each waiter gets its
    own Deferred fed from the shared one.
    """

    async def robot_parser(self, request: Any) -> Any:
        from scrapy.utils.defer import maybe_deferred_to_future
        from scrapy.utils.httpobj import urlparse_cached
        from twisted.internet.defer import Deferred

        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            mine: Deferred[Any] = Deferred()

            def forward(result: Any) -> Any:
                mine.callback(result)
                return result  # the next waiter gets the parser too

            pending.addCallback(forward)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Any, netloc: str, request: Any) -> None:
        if response.status >= 500 or response.status == 429:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._settle(netloc, Unavailable(f"HTTP {response.status}"))
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # refused on our side (e.g. an off-site redirect): no rules
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._settle(netloc, Unavailable(f"{type(exc).__name__}: {exc}"[:300]))

    def _settle(self, netloc: str, parser: Unavailable) -> None:
        from twisted.internet.defer import Deferred

        pending = self._parsers.get(netloc)
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp: Any, request: Any) -> None:
        if isinstance(rp, Unavailable):
            self._stats.inc_value("kb/robots_unavailable")
            raise IgnoreRequest(f"{UNAVAILABLE} ({rp.reason}): {request.url} not fetched")
        super().process_request_2(rp, request)
