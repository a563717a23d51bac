"""Issue 12 (4): the requests a rendering browser makes for a page follow the plain crawl's rules: scope
(scheme + host + port) and no private address unless the site allows it.

``browser_refusal`` is what ``RenderHandler.refuse`` asks for every request Chromium makes; here it is
asked directly with the crawl's real spider (a real crawl with Chromium is tests/test_crawl_render.py,
which needs Debian's chromium).
"""

from __future__ import annotations

import asyncio

import pytest

from crawler.render_handler import browser_refusal
from crawler.spiders.discover import DiscoverSpider


def refusal(url: str, start_url: str, pins: dict[str, str] | None = None) -> str | None:
    spider = DiscoverSpider(start_url=start_url)
    return asyncio.run(browser_refusal(spider, url, pins))


def test_browser_subrequest_on_the_pages_own_origin_is_allowed() -> None:
    assert refusal("http://127.0.0.1:8700/app.js", "http://127.0.0.1:8700/") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8701/api/qa.json",  # another port of the same host
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://user@127.0.0.1:8701/",  # user@host
    ],
)
def test_browser_subrequest_out_of_scope_is_refused(url: str) -> None:
    assert refusal(url, "http://127.0.0.1:8700/") == "offsite"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1:8700/x", "data:text/html,<p>x</p>"])
def test_browser_subrequest_of_another_scheme_is_refused(url: str) -> None:
    assert refusal(url, "http://127.0.0.1:8700/") == "scheme"


def test_browser_subrequest_to_a_public_name_on_a_private_address_is_refused() -> None:
    pins = {"kb-public.example": "10.1.2.3"}
    why = refusal("http://kb-public.example/app.js", "http://kb-public.example/", pins)
    assert why == "kb-public.example resolves to 10.1.2.3 (private)"


def test_browser_subrequest_to_an_ipv4_mapped_loopback_literal_is_refused() -> None:
    why = refusal("http://[::ffff:127.0.0.1]:8700/app.js", "http://[::ffff:127.0.0.1]:8700/")
    assert why == "::ffff:127.0.0.1 resolves to ::ffff:127.0.0.1 (loopback)"
