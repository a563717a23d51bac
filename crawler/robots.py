"""robots.txt for every crawl: Scrapy's middleware with a fix for concurrent waiters (Scrapy 2.13+)."""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _RobotsBase


class RobotsTxtMiddleware(_RobotsBase):  # type: ignore[misc,valid-type]
    """Scrapy's RobotsTxtMiddleware, with requests that wait for a robots.txt all getting its parser.

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
