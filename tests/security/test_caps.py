"""Attack: unbounded work per page and per site. A page of thousands of links, a sitemap of millions of
URLs, an index of thousands of sitemaps, a site that never ends, a page that takes seconds to extract:
each is bounded, and each bound is counted (Scrapy stats, the run's sites table) when it bites.

Real `kb crawl` runs against a hostile loopback site (heavy_site.py) and the sample site.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from kb import runs
from kb.db import session
from kb.models import Run
from sample_site import PROFILES_DIR
from sample_site.server import SampleSite
from tests.security.heavy_site import HeavySite


def kb_crawl(db: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "KB_LOG_LEVEL": "INFO", **(env or {})},
    )
    out = done.stdout + done.stderr
    assert done.returncode in (0, 3), out[-3000:]
    return out


def stat(out: str, name: str) -> int | None:
    found = re.search(rf"'{re.escape(name)}': (\d+)", out)
    return int(found.group(1)) if found else None


def test_a_page_of_5000_links_gives_only_the_first_100(db_url: str) -> None:
    """Attack: one page with thousands of unique links (150k cost 80 s CPU and 450 MB)."""
    with HeavySite() as site:
        out = kb_crawl(db_url, "--no-refresh", "--start-url", site.url("/links.html"), env={"KB_MAX_LINKS_PER_PAGE": "100"})
        fetched = set(site.paths("/p/"))
    assert len(fetched) == 100, out[-3000:]
    assert fetched == {f"/p/{n}.html" for n in range(100)}  # the first ones, in page order
    assert stat(out, "kb/links_capped") == 1


def test_a_big_sitemap_and_a_wide_index_are_cut_at_their_caps(db_url: str) -> None:
    """Attack: a sitemap of more URLs than the cap (a 1M-URL sitemap queued a million fetches), and an
    index fanning out to more sitemaps than the crawl fetches."""
    with HeavySite() as site:
        out = kb_crawl(
            db_url,
            "--spider", "sitemap", "--start-url", site.url("/"),
            env={"KB_MAX_SITEMAP_URLS": "50", "KB_MAX_SITEMAPS": "5"},
        )
        pages, children = set(site.paths("/p/")), set(site.paths("/sm/"))
        files = [p for p in site.paths("/") if p.endswith((".xml", "robots.txt"))]
    assert len(pages) == 50, out[-3000:]  # of /big.xml's 300
    # robots.txt, /big.xml, /index.xml and two of the index's 20 sitemaps: 5 files (robots.txt may be
    # fetched once more by the robots.txt middleware)
    assert len(children) == 2, (files, out[-3000:])
    assert stat(out, "kb/sitemap_capped") == 1
    assert (stat(out, "kb/sitemaps_capped") or 0) >= 1


def test_a_site_stops_at_its_page_budget_and_the_run_says_so(tmp_path: Path, db_url: str) -> None:
    """Attack: a site that never ends (a calendar, a session id in each link): max_pages = 3 in its profile."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    portal = (PROFILES_DIR / "sample-portal.toml").read_text(encoding="utf-8")
    (profiles / "sample-portal.toml").write_text(portal + "\nmax_pages = 3\n", encoding="utf-8")
    dirs = os.pathsep.join([os.environ["KB_PROFILE_DIRS"], str(profiles)])  # a later file of a name wins
    with SampleSite(latency=0.0) as site:
        portal_url = next(u for u in site.start_urls if "127.0.0.1" in u)
        out = kb_crawl(db_url, "--start-url", portal_url, env={"KB_PROFILE_DIRS": dirs})
        pages = [r["path"] for r in site.requests if r["path"] != "/robots.txt"]
    assert len(pages) == 3, (pages, out[-3000:])
    assert stat(out, "kb/page_budget/sample-portal") == 3
    with session(db_url) as s:
        run = s.query(Run).one()
        row = next(r for r in runs.run_sites(s, run.id) if r.site == "sample-portal")
    assert row.reason and "page budget reached (3 pages)" in row.reason, (row.status, row.reason)
    assert "page budget reached" in out  # the crawl's own table / log says it too
    report = subprocess.run(
        [sys.executable, "-m", "kb", "report", "--format", "json", "--db", db_url], capture_output=True, text=True
    )
    sites = {s["site"]: s for run in json.loads(report.stdout)["runs"] for s in run["sites"]}
    assert "page budget reached (3 pages)" in sites["sample-portal"]["reason"]  # the editors' report too


def test_the_crawl_wide_page_budget_applies_to_a_site_without_its_own(db_url: str) -> None:
    """Attack: the same, for a site whose profile sets no max_pages: KB_SITE_MAX_PAGES bounds it."""
    with SampleSite(latency=0.0) as site:
        portal_url = next(u for u in site.start_urls if "127.0.0.1" in u)
        out = kb_crawl(db_url, "--start-url", portal_url, env={"KB_SITE_MAX_PAGES": "2"})
        pages = [r["path"] for r in site.requests if r["path"] != "/robots.txt"]
    assert len(pages) == 2, (pages, out[-3000:])
    assert stat(out, "kb/page_budget/sample-portal") == 2


def test_extraction_runs_off_the_reactor_so_other_pages_are_fetched_meanwhile(db_url: str) -> None:
    """Attack: a page that takes seconds to extract (3 MB of answer, 5 s) must not stall every other download."""
    from crawler.spiders.discover import DiscoverSpider
    from crawler.spiders.refresh import RefreshSpider
    from crawler.spiders.sitemap import SitemapSpider

    for spider in (DiscoverSpider, RefreshSpider, SitemapSpider):
        assert inspect.isasyncgenfunction(spider.parse), spider  # Scrapy awaits it: extraction in a thread
    with HeavySite(latency=0.3) as site:
        out = kb_crawl(db_url, "--no-refresh", "--start-url", site.url("/heavy-start.html"))
        heavy = next(t for t, p in site.requests if p == "/heavy.html")
        small = [t for t, p in site.requests if p.startswith("/s/")]
    assert len(small) == 100, out[-3000:]
    assert small[0] < heavy < small[-1] - 2, "the heavy page must come while small ones are still to fetch"
    # Small pages answer in 0.3 s, 8 at a time: they keep coming while the heavy page is extracted (the
    # longest pause, measured: 0.75 s); extraction on the reactor thread stopped them for 9 s.
    pause = max(b - a for a, b in zip(small, small[1:], strict=False))
    assert pause < 2.5, f"no page was fetched for {pause:.1f} s: the heavy page stalled the crawl"
