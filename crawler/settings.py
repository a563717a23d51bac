"""Scrapy settings for every crawl: one place. ``crawler.launch.crawl_settings`` layers CLI and profile overrides.

Defaults are for real sites at night: polite (robots.txt, AutoThrottle, 1-2 requests per domain, a delay
floor, Crawl-delay honoured), bounded (size, redirects, timeouts), and loud about faults (every one is
recorded against its URL in the KB by the spiders' errbacks).
"""

from __future__ import annotations

import os

from crawler import robots
from crawler.resolver import parse_pins

BOT_NAME = "yibao_kb"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are and how to reach us: sites read this in their logs.
CONTACT_URL = os.environ.get("KB_CONTACT_URL", "https://github.com/yibao-kb/yibao-kb")
USER_AGENT = os.environ.get(
    "KB_USER_AGENT", f"yibao-kb/0.1 (+{CONTACT_URL}; medical-insurance Q&A knowledge base)"
)

ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "yibao-kb"  # the product token robots.txt groups are matched against
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

# Politeness. AutoThrottle adapts the delay to the site's latency; DOWNLOAD_DELAY is the floor.
CONCURRENT_REQUESTS = 16
# Scrapy runs a response's output through CONCURRENT_ITEMS asyncio workers (100 by default: ~100 tasks
# per response). Our callbacks yield one item and a few links and the KB pipeline is synchronous, so
# a handful of workers is as fast and makes a 304 revisit cost a fraction of the CPU.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around the delay
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Robustness: bounded in size, time and redirects; retried with backoff on 429 / 5xx (Retry-After honoured).
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # also bounds decompressed size (gzip bombs)
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = (
    1.0  # s: first retry waits this, then doubles (crawler.middlewares.BackoffRetryMiddleware)
)
RETRY_AFTER_MAX = 120.0  # s: a longer Retry-After is not waited for (the fetch counts as failed)
# Statuses the spiders must see (not the HttpError errback): revalidation and disappearance.
HTTPERROR_ALLOWED_CODES = [304, 404, 410]
DEPTH_LIMIT = 12
# Bounded work per page and per site, whatever a site sends (each cap is counted when it bites):
# the environment variable of the same name (or scrapy crawl -s NAME=N) sets each; 0 is no cap.
KB_MAX_LINKS_PER_PAGE = int(os.environ.get("KB_MAX_LINKS_PER_PAGE", 2000))  # links read from a page (kb/links_capped)
# page URLs taken from one sitemap file, the protocol's own limit (kb/sitemap_capped)
KB_MAX_SITEMAP_URLS = int(os.environ.get("KB_MAX_SITEMAP_URLS", 50_000))
# sitemap files (index fan-out, robots.txt lines) one crawl fetches (kb/sitemaps_capped)
KB_MAX_SITEMAPS = int(os.environ.get("KB_MAX_SITEMAPS", 1000))
# pages per site and crawl unless its profile says max_pages (kb/page_budget/<site>, the run's sites table)
KB_SITE_MAX_PAGES = int(os.environ.get("KB_SITE_MAX_PAGES", 20_000))
DEPTH_PRIORITY = 0

# Our own validators, not Scrapy's cache: HTTPCACHE stays off (see issue 7: it hides revalidation).
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("KB_LOG_LEVEL", "WARNING")

# Only http and https are ever fetched (sites.scope): no handler for file:, ftp:, data:, s3: at all, so
# a link, sitemap <loc> or redirect of another scheme that got past every check still cannot be read.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "data": None, "s3": None}
# Every connection's resolved address is checked (crawler.resolver): no loopback, private, link-local
# (cloud metadata) or reserved address unless the site's profile says allow_private = true.
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"
KB_RESOLVE = parse_pins(os.environ.get("KB_RESOLVE", ""))  # host=address,...: like curl --resolve

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter with our scope: scheme + host + port, dont_filter or not (crawler.scope).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.scope.ScopeMiddleware": 40,
    # Scrapy's robots.txt middleware lets concurrent waiters through: ours instead (crawler.robots says how).
    **robots.MIDDLEWARES,
    "crawler.politeness.SitePolitenessMiddleware": 50,  # each site's profile politeness, into request meta
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.CrawlDelayMiddleware": 560,
    "crawler.middlewares.OffDomainRedirectMiddleware": 650,
}
# `-s KB_REDIS_URL=redis://...` (scrapy crawl, scrapyd) makes this crawl one worker of a shared one.
# Passwords in URLs (KB_DB_URL, REDIS_URL) never reach the log (crawler.masking).
ADDONS = {"crawler.shared.addon.RedisAddon": 0, "crawler.masking.MaskSecretsAddon": -10}
ITEM_PIPELINES = {"crawler.pipelines.KBPipeline": 300}
EXTENSIONS = {
    "crawler.extensions.Progress": 500,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.politeness.SiteAutoThrottle": 0,  # AutoThrottle with each site's own floor and ceiling
    "scrapy.extensions.remote_control.RemoteControl": None,  # no listening port on a crawler
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
