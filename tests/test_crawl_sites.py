"""One `kb crawl` over several sites at once: each site judged on its own, one failure fails alone.

Real crawls over loopback into a real SQLite KB: both sample sites (named by their profiles, given
start URLs in a profile folder of the test's own) and a third site whose robots.txt answers 500.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from kb.cli.crawl_cmd import EXIT_SITES_FAILED
from kb.db import session
from kb.models import Page, Run, RunSite
from sample_site import PROFILES_DIR
from sample_site.server import SampleSite
from tests.downsite import DownSite

pytestmark = pytest.mark.slow


def site_profiles(folder: Path, site: SampleSite, down: DownSite) -> dict[str, str]:
    """The sample profiles with start URLs on the served ports, and a profile for the down site;
    the environment that makes `kb` read them."""
    folder.mkdir()
    for name, start in (("sample-portal", site.portal_url), ("sample-city", site.city_url)):
        text = (PROFILES_DIR / f"{name}.toml").read_text(encoding="utf-8")
        (folder / f"{name}.toml").write_text(f'{text}\nstart_urls = ["{start}/"]\n', encoding="utf-8")
    (folder / "down-city.toml").write_text(
        f'name = "down-city"\nhosts = ["127.0.0.3"]\nstart_urls = ["{down.url}"]\nallow_private = true\n',
        encoding="utf-8",
    )
    return {**os.environ, "KB_PROFILE_DIRS": str(folder)}


def kb(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=240, env=env
    )


def test_one_crawl_of_three_sites_finishes_the_good_ones_and_records_the_bad_one(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    with SampleSite(edition=1) as site, DownSite(robots_status=500) as down:
        env = site_profiles(tmp_path / "profiles", site, down)
        sites = ("--site", "sample-portal", "--site", "sample-city", "--site", "down-city")
        done = kb(env, "crawl", *sites, "--delay", "0", "--db", db)
        report = kb(env, "report", "--format", "json", "--db", db)

    assert done.returncode == EXIT_SITES_FAILED == 3, done.stderr
    assert "1 of 3 sites failed: down-city (robots.txt unavailable" in done.stderr
    # RFC 9309: nothing behind an unreadable robots.txt was fetched (its retries only)
    assert set(down.paths) == {"/robots.txt"}

    with session(db) as s:
        runs = s.exec(select(Run)).all()
        rows = {r.site: r for r in s.exec(select(RunSite)).all()}
        pages = {p.site for p in s.exec(select(Page)).all()}
    assert len(runs) == 1 and runs[0].status == "ok" and runs[0].site == "sample-portal,sample-city,down-city"
    assert set(rows) == {"sample-portal", "sample-city", "down-city"}
    manifest = SampleSite.manifest(1)
    for name in ("sample-portal", "sample-city"):  # both good sites crawled to the end
        assert rows[name].status == "ok" and rows[name].reason is None
        assert rows[name].new > 0 and rows[name].failed == 0
    assert rows["sample-portal"].new + rows["sample-city"].new == runs[0].new
    on_topic = {p["entry_key"] for p in manifest["pages"] if p["kind"] == "qa" and p["is_medical_insurance"]}
    assert runs[0].new == len(on_topic)  # the whole of both sites, as a crawl of them alone finds
    assert pages == {"sample-portal", "sample-city"}
    bad = rows["down-city"]
    assert bad.status == "failed" and bad.fetched == 0 and bad.failed == 1  # no page answered: none fetched
    assert json.loads(bad.errors) == {"robots_unavailable": 1}

    # the report's per-site table says the same, in every format
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["summary"]["sites_failed"] == ["down-city"]
    (run,) = data["runs"]
    assert [(r["site"], r["status"]) for r in run["sites"]] == [
        ("down-city", "failed"),
        ("sample-city", "ok"),
        ("sample-portal", "ok"),
    ]
    assert run["sites"][0]["reason"].startswith("robots.txt unavailable")
    assert run["sites"][2]["new"] == rows["sample-portal"].new

    # and the editors' app shows the run's sites on its page
    from tests.app_helpers import add_user, serve
    from tests.test_app import Client

    add_user(db, "vera", "correct horse battery", role="viewer")
    with serve(db) as app_url:
        vera = Client(app_url)
        vera.login("vera", "correct horse battery")
        status, _, page = vera.get(f"/runs/{runs[0].id}")
    assert status == 200
    assert '<tr class="failed"><td>down-city</td><td>failed</td>' in page
    assert '<tr class="ok"><td>sample-city</td><td>ok</td>' in page


def test_start_urls_without_a_profile_count_as_the_generic_site(tmp_path: Path) -> None:
    """No profile covers the down site: its share of the run is the ``generic`` site's, apart from the
    sample sites (give a site a profile to have it judged under its own name)."""
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    with SampleSite(edition=1) as site, DownSite(robots_status=503) as down:
        urls = [a for u in (*site.start_urls, down.url) for a in ("--start-url", u)]
        done = kb(dict(os.environ), "crawl", *urls, "--delay", "0", "--max-pages", "12", "--db", db)
    assert done.returncode == 3, done.stderr
    assert "1 of 3 sites failed: generic (robots.txt unavailable" in done.stderr
    with session(db) as s:
        rows = {r.site: r.status for r in s.exec(select(RunSite)).all()}
    assert rows == {"sample-portal": "ok", "sample-city": "ok", "generic": "failed"}


def test_every_site_failing_fails_the_run(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    with DownSite(robots_status=500) as down:
        done = kb(dict(os.environ), "crawl", "--start-url", down.url, "--delay", "0", "--db", db)
    assert done.returncode == 1, done.stderr
    with session(db) as s:
        (run,) = s.exec(select(Run)).all()
        (row,) = s.exec(select(RunSite)).all()
    assert run.status == "failed" and row.status == "failed"
