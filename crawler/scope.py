"""Scrapy's OffsiteMiddleware with our scope (``sites.scope``): scheme + host + port, for every request.

Scrapy's lets through ``dont_filter`` requests (a sitemap's first requests, their meta refresh), an empty
``allowed_domains`` (everything), any port and any scheme. Ours asks the spider (``in_scope``, which knows
each page's own site in a refresh of the whole KB) and lets nothing through unasked; a drop is counted:
``offsite/scheme`` for another scheme, Scrapy's ``offsite/filtered`` for another host or port.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest

from sites.scope import is_web_url, web_scheme

# The words a refused request's IgnoreRequest starts with (crawler.spiders.base.failure_kind reads them).
OFFSITE = "offsite"
SCHEME = "offsite_scheme"


def count_drop(stats: object, url: str) -> str:
    """Count one out-of-scope URL under its reason; returns the reason (``offsite`` / ``offsite_scheme``)."""
    scheme = not web_scheme(url)
    stats.inc_value("offsite/scheme" if scheme else "offsite/filtered")  # type: ignore[attr-defined]
    return SCHEME if scheme else OFFSITE


class ScopeMiddleware(OffsiteMiddleware):
    """Refuses every request outside the spider's scope, ``dont_filter`` or not."""

    def should_follow(self, request: Request, spider: Spider) -> bool:
        in_scope = getattr(spider, "in_scope", None)
        if in_scope is None:  # not one of ours: Scrapy's rule, but never another scheme
            return is_web_url(request.url) and super().should_follow(request, spider)
        return bool(in_scope(request.url, request.meta.get("page_url")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        assert self.crawler.spider
        if self.should_follow(request, self.crawler.spider):
            return
        reason = count_drop(self.stats, request.url)
        raise IgnoreRequest(f"{reason}: {request.url[:300]} is outside the crawl's scope")
