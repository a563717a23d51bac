"""Each site's politeness on its own download slot: a crawl over many sites asks each as its profile says.

A profile's ``politeness`` table names Scrapy settings (``sites.profiles.schema.POLITENESS``), but Scrapy
settings are crawl-wide. Here they become per-site, keyed by the profile's hosts (Scrapy's download slot
is the host name):

- delay, concurrency and jitter: ``DOWNLOAD_SLOTS`` (Scrapy's own per-slot settings);
- timeout, size bounds, retries, backoff: request meta, set by :class:`SitePolitenessMiddleware` before
  Scrapy's middlewares read them (``download_timeout``, ``download_maxsize``, ``max_retry_times`` …);
- AutoThrottle's floor, ceiling and target concurrency: :class:`SiteAutoThrottle`, per slot (Scrapy's
  AutoThrottle would pull a 5 s site down to the crawl-wide 1 s floor).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from sites.profiles import Profile

# profile setting -> request meta key it becomes (read by Scrapy's middlewares and ours)
META = {
    "DOWNLOAD_TIMEOUT": "download_timeout",
    "DOWNLOAD_MAXSIZE": "download_maxsize",
    "DOWNLOAD_WARNSIZE": "download_warnsize",
    "RETRY_TIMES": "max_retry_times",
    "RETRY_BACKOFF_BASE": "kb_backoff_base",
    "RETRY_AFTER_MAX": "kb_retry_after_max",
    "DOWNLOAD_DELAY": "kb_delay_floor",
}


def slot_of(politeness: dict[str, Any], *, delay_given: bool) -> dict[str, Any]:
    """A ``DOWNLOAD_SLOTS`` entry from a profile's politeness table (``--delay`` wins over its delay)."""
    slot: dict[str, Any] = {}
    if "DOWNLOAD_DELAY" in politeness and not delay_given:
        slot["delay"] = float(politeness["DOWNLOAD_DELAY"])
        if politeness.get("AUTOTHROTTLE_ENABLED", True) and "AUTOTHROTTLE_START_DELAY" in politeness:
            slot["delay"] = max(slot["delay"], float(politeness["AUTOTHROTTLE_START_DELAY"]))
    if "CONCURRENT_REQUESTS_PER_DOMAIN" in politeness:
        slot["concurrency"] = int(politeness["CONCURRENT_REQUESTS_PER_DOMAIN"])
    if "DOWNLOAD_DELAY_JITTER" in politeness:
        slot["jitter"] = float(politeness["DOWNLOAD_DELAY_JITTER"])
    elif "RANDOMIZE_DOWNLOAD_DELAY" in politeness:
        slot["jitter"] = 0.5 if politeness["RANDOMIZE_DOWNLOAD_DELAY"] else 0.0
    return slot


def site_settings(chosen: Sequence[Profile], *, delay_given: bool) -> dict[str, Any]:
    """``DOWNLOAD_SLOTS`` and ``KB_SITE_POLITENESS`` ({host: politeness table}) for the crawl's sites."""
    slots: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, Any]] = {}
    for profile in chosen:
        if not profile.politeness:
            continue
        table = {k: v for k, v in profile.politeness.items() if not (delay_given and k == "DOWNLOAD_DELAY")}
        slot = slot_of(profile.politeness, delay_given=delay_given)
        for host in profile.hosts:
            rules[host] = table
            if slot:
                slots[host] = slot
    out: dict[str, Any] = {}
    if slots:
        out["DOWNLOAD_SLOTS"] = slots
    if rules:
        out["KB_SITE_POLITENESS"] = rules
    return out


def rules_for(crawler: Crawler, request: Request) -> dict[str, Any]:
    rules = crawler.settings.getdict("KB_SITE_POLITENESS")
    return rules.get(urlparse_cached(request).hostname or "", {}) if rules else {}


class SitePolitenessMiddleware:
    """Put the request's site's timeout, size bounds and retry rules in its meta (what the spider set
    itself, e.g. a sitemap's larger size bound, stays)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SitePolitenessMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        rules = rules_for(self.crawler, request)
        for setting, key in META.items():
            if setting in rules:
                request.meta.setdefault(key, rules[setting])
        if rules.get("AUTOTHROTTLE_ENABLED") is False:
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)
        return None


class SiteAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle with each site's own floor (its DOWNLOAD_DELAY), ceiling and target."""

    _site: dict[str, Any] | None = None

    def _response_downloaded(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        self._site = rules_for(self.crawler, request)
        try:
            super()._response_downloaded(response, request, spider)
        finally:
            self._site = None

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        site = self._site or {}
        saved = self.mindelay, self.maxdelay, self.target_concurrency
        self.mindelay = float(site.get("DOWNLOAD_DELAY", self.mindelay))
        self.maxdelay = float(site.get("AUTOTHROTTLE_MAX_DELAY", self.maxdelay))
        self.target_concurrency = float(site.get("AUTOTHROTTLE_TARGET_CONCURRENCY", self.target_concurrency))
        try:
            super()._adjust_delay(slot, latency, response)
        finally:
            self.mindelay, self.maxdelay, self.target_concurrency = saved
