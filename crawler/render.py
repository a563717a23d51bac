"""Pages that need a browser: scrapy-playwright driving Debian's headless Chromium, for those pages only.

A profile says ``render = "browser"`` (every page of the site) or lists ``render_patterns``; the spider
marks those requests (``meta["playwright"]``, :func:`render_meta`) and :class:`RenderHandler` sends them
through Chromium. Every other request, robots.txt and sitemaps included, goes to the plain handler as
before. The handler is installed only for a crawl with such a site (:func:`render_settings`).

What stays the same for a rendered page: its download slot (delay, concurrency: the downloader applies
them before any handler), robots.txt (checked by the middleware before the handler; the browser's own
subrequests are checked against the same rules), retries, and the extraction (the rendered DOM is the
response body, so the KB stores what was read). What differs:

- no conditional request: a page built by scripts has the validators of its empty shell, which say
  nothing about the answer its scripts fetch; the KB's content hash still keeps an unchanged answer
  from making a version;
- the browser fetches the page's scripts and data itself: only from the crawl's own hosts, never
  images, media or fonts (:meth:`RenderHandler.refuse`), each counted in ``playwright/request_count``;
- Twisted's asyncio reactor is required: Scrapy >= 2.13 runs every crawl on it already
  (``TWISTED_REACTOR``'s default), so nothing else in the crawler changes.

Chromium is Debian's (``/usr/bin/chromium``, or ``KB_CHROMIUM``): Playwright's ``executable_path``,
never a browser download.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from typing import Any

from sites.profiles import Profile

log = logging.getLogger(__name__)

HANDLER = "crawler.render_handler.RenderHandler"


class BrowserMissing(RuntimeError):
    """A site needs a browser and this machine has none: one line for the CLI."""


def chromium() -> str:
    """Debian's chromium: ``KB_CHROMIUM``, else ``chromium`` on PATH, else /usr/bin/chromium."""
    path = os.environ.get("KB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        raise BrowserMissing(
            f"a site profile renders pages in a browser and {path} is not there "
            "(apt-get install chromium fonts-wqy-zenhei, or set KB_CHROMIUM)"
        )
    return path


def needs_browser(chosen: Sequence[Profile]) -> bool:
    return any(p.render == "browser" or p.render_patterns for p in chosen)


def render_settings(settings: Any) -> dict[str, Any]:
    """The settings that install :class:`RenderHandler` for http(s), over whatever handler was there."""
    plain = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    return {
        "DOWNLOAD_HANDLERS": {**plain, "http": HANDLER, "https": HANDLER},
        # the handlers http(s) had: plain requests still go there (e.g. a resolver that refuses addresses)
        "KB_PLAIN_HANDLERS": {k: v for k, v in plain.items() if k in ("http", "https") and v},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium(), "headless": True},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
    }


def render_meta() -> dict[str, Any]:
    """The meta of a request to render: wait until the page's scripts stopped fetching."""
    return {"playwright": True, "playwright_page_goto_kwargs": {"wait_until": "networkidle"}}
