"""The sitemap and refresh spiders, and robots.txt Crawl-delay, in real crawls over loopback.

One KB is filled by the ``sitemap`` spider (robots.txt names the sitemaps), crawled again by it (every
``<lastmod>`` is older than our fetch: nothing to fetch), then by ``refresh`` now (nothing due) and two
days later (everything due: conditional requests, 304s, flagged entries' pages first). Meanwhile a small
site whose robots.txt asks for ``Crawl-delay: 0.5`` is crawled with ``--delay 0``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import select

from kb import clock
from kb.db import session
from kb.models import Entry, Flag, Page, Run
from sample_site.server import SampleSite
from tests.faultserver import QA, FaultServer

pytestmark = pytest.mark.slow

CRAWL_DELAY = 0.5


def kb_crawl(db: str, urls: list[str], *extra: str) -> list[str]:
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *extra]
    for url in urls:
        args += ["--start-url", url]
    return args


def run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=180, env=env)


def page_gets(requests: list[dict]) -> list[dict]:
    return [r for r in requests if r["method"] == "GET" and r["path"].endswith((".html", "/"))]


@pytest.fixture(scope="module")
def spiders(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("spiders")
    db = f"sqlite:///{tmp / 'kb.sqlite'}"
    out: dict = {}
    with (
        FaultServer(crawl_delay=CRAWL_DELAY, faults=False) as slow,
        FaultServer(faults=False) as indexed,
        SampleSite(edition=1) as site,
    ):
        # Two small crawls run alongside the sitemap/refresh sequence: Crawl-delay (it mostly waits)
        # and a sitemap index naming a gzipped sitemap.
        delayed = subprocess.Popen(
            # A delay floor above 0 turns on DOWNLOAD_DELAY_JITTER (±50%): the Crawl-delay must not jitter.
            kb_crawl(f"sqlite:///{tmp / 'delay.sqlite'}", [slow.start_url], "--delay", "0.05"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out["index_db"] = f"sqlite:///{tmp / 'index.sqlite'}"
        via_index = subprocess.Popen(
            kb_crawl(out["index_db"], [indexed.start_url], "--spider", "sitemap"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        steps = {
            "sitemap": ("--spider", "sitemap"),
            "sitemap_again": ("--spider", "sitemap"),
            "refresh_now": ("--spider", "refresh"),
            "refresh_later": ("--spider", "refresh"),
        }
        for name, extra in steps.items():
            env = None
            if name == "refresh_later":
                env = dict(os.environ, KB_NOW=clock.iso(clock.now() + timedelta(days=2)) or "")
                with session(db) as s:
                    flagged = {f.entry_id for f in s.exec(select(Flag).where(Flag.cleared_at.is_(None)))}
                    out["flagged_paths"] = {
                        p.url.split("/", 3)[3] for p in s.exec(select(Page)).all() if p.entry_id in flagged
                    }
            site.reset_log()
            out[name] = run(kb_crawl(db, site.start_urls, *extra), env=env)
            out[f"{name}_log"] = list(site.requests)
            with session(db) as s:
                out[f"{name}_run"] = s.exec(select(Run).order_by(Run.id.desc())).first()
                out[f"{name}_entries"] = len(s.exec(select(Entry)).all())
        out["via_index"] = via_index.communicate(timeout=120)
        out["via_index_code"] = via_index.returncode
        out["index_log"] = list(indexed.requests)
        out["delayed"] = delayed.communicate(timeout=120)
        out["delayed_code"] = delayed.returncode
        out["slow_log"] = list(slow.requests)
    return out


def test_sitemap_spider_fills_the_kb_from_the_sitemaps(spiders: dict) -> None:
    assert spiders["sitemap"].returncode == 0, spiders["sitemap"].stderr
    manifest = SampleSite.manifest(1)
    on_topic = {p["entry_key"] for p in manifest["pages"] if p["kind"] == "qa" and p["is_medical_insurance"]}
    assert spiders["sitemap_entries"] >= 0.95 * len(on_topic)
    log = spiders["sitemap_log"]
    assert [r for r in log if r["path"] == "/sitemap.xml"]
    assert not [r for r in log if r["path"].startswith("/private/")]


def test_sitemap_spider_skips_what_lastmod_says_did_not_change(spiders: dict) -> None:
    again = spiders["sitemap_again"]
    assert again.returncode == 0, again.stderr
    assert page_gets(spiders["sitemap_again_log"]) == []
    assert spiders["sitemap_again_run"].status == "ok"


def test_refresh_with_nothing_due_fetches_nothing_and_is_ok(spiders: dict) -> None:
    assert spiders["refresh_now"].returncode == 0, spiders["refresh_now"].stderr
    assert page_gets(spiders["refresh_now_log"]) == []
    assert spiders["refresh_now_run"].status == "ok"


def test_refresh_revisits_due_pages_conditionally_flagged_first(spiders: dict) -> None:
    later = spiders["refresh_later"]
    assert later.returncode == 0, later.stderr
    gets = page_gets(spiders["refresh_later_log"])
    assert gets and all(r["status"] == 304 for r in gets)
    assert all("if-none-match" in {k.lower() for k in r["headers"]} for r in gets)
    run = spiders["refresh_later_run"]
    assert run.not_modified == len(gets) and run.new == 0 and run.changed == 0
    flagged = spiders["flagged_paths"]
    assert len(flagged) >= 5
    assert all(r["path"].lstrip("/") in flagged for r in gets[:5])


def test_crawl_delay_from_robots_is_honoured_and_the_agent_says_who_we_are(spiders: dict) -> None:
    out, err = spiders["delayed"]
    assert spiders["delayed_code"] == 0, err
    pages = [r for r in spiders["slow_log"] if r["host"] == "main" and r["path"] != "/robots.txt"]
    assert len(pages) == 1 + len(QA)
    gaps = [b["at"] - a["at"] for a, b in zip(pages, pages[1:], strict=False)]
    assert min(gaps) >= CRAWL_DELAY * 0.9, gaps
    agent = pages[0]["headers"]["user-agent"]
    assert agent.startswith("yibao-kb/") and "+http" in agent


def test_sitemap_index_and_gzipped_sitemaps_are_followed(spiders: dict) -> None:
    assert spiders["via_index_code"] == 0, spiders["via_index"][1]
    paths = [r["path"] for r in spiders["index_log"] if r["host"] == "main"]
    assert "/sitemap_index.xml" in paths and "/sitemaps/qa.xml.gz" in paths
    assert "/" not in paths  # the sitemap spider does not walk links
    with session(spiders["index_db"]) as s:
        questions = {e.question for e in s.exec(select(Entry)).all()}
    assert questions == {q for q, _ in QA.values()}
