"""Real crawls of the sample sites over loopback, through `kb crawl`, into a real SQLite KB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from kb.db import session
from kb.models import Entry, FetchError, Page, Run, RunSite, Version
from sample_site.server import SampleSite

pytestmark = pytest.mark.slow


def kb_crawl(site: SampleSite, db: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *extra]
    for url in site.start_urls:
        args += ["--start-url", url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def last_run(db: str) -> Run:
    with session(db) as s:
        return s.exec(select(Run).order_by(Run.id.desc())).first()


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Edition 1 crawled, crawled again unchanged, then edition 2: the runs and the site's request log."""
    db = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'kb.sqlite'}"
    out: dict = {"db": db}
    with SampleSite(edition=1) as site:
        first = kb_crawl(site, db)
        assert first.returncode == 0, first.stderr
        out["first"], out["first_log"] = last_run(db), list(site.requests)
        with session(db) as s:
            out["entries"] = s.exec(select(Entry)).all()
            out["off_topic_pages"] = s.exec(
                select(func.count()).select_from(Page).where(Page.status == "off_topic")
            ).one()
        site.reset_log()
        again = kb_crawl(site, db)
        assert again.returncode == 0, again.stderr
        out["again"], out["again_log"] = last_run(db), list(site.requests)
        with session(db) as s:
            out["versions_after_again"] = s.exec(select(func.count()).select_from(Version)).one()
        site.set_edition(2)
        second = kb_crawl(site, db)
        assert second.returncode == 0, second.stderr
        out["second"] = last_run(db)
        out["stdout"] = second.stdout
    return out


def test_first_crawl_stores_every_on_topic_page_once(two_editions: dict) -> None:
    manifest = SampleSite.manifest(1)
    on_topic = {p["entry_key"] for p in manifest["pages"] if p["kind"] == "qa" and p["is_medical_insurance"]}
    run = two_editions["first"]
    entries, off_topic_pages = two_editions["entries"], two_editions["off_topic_pages"]
    assert len(entries) == len(on_topic)  # copies on the city site became sources, not entries
    assert all(e.is_medical_insurance for e in entries)
    assert off_topic_pages == sum(
        1 for p in manifest["pages"] if p["kind"] == "qa" and not p["is_medical_insurance"]
    )
    assert run.status == "ok" and run.failed == 0 and run.new == len(on_topic)


def test_robots_disallow_is_respected_and_counted(two_editions: dict) -> None:
    assert not [r for r in two_editions["first_log"] if r["path"].startswith("/private")]
    assert two_editions["first"].robots_refused == 1
    with session(two_editions["db"]) as s:
        refused = s.exec(select(FetchError).where(FetchError.kind == "robots")).all()
    assert refused and all("/private/" in e.url for e in refused)


def test_unchanged_recrawl_is_304_and_makes_no_version(two_editions: dict) -> None:
    run = two_editions["again"]
    assert run.new == 0 and run.changed == 0
    pages = [r for r in two_editions["again_log"] if r["path"].endswith(".html") and r["method"] == "GET"]
    not_modified = [r for r in pages if r["status"] == 304]
    assert len(not_modified) / len(pages) >= 0.95, (len(not_modified), len(pages))
    with session(two_editions["db"]) as s:
        versions_after_first = s.exec(
            select(func.count()).select_from(Version).where(Version.run_id == two_editions["first"].id)
        ).one()
    assert two_editions["versions_after_again"] == versions_after_first


def test_edition_2_changes_are_counted_exactly(two_editions: dict) -> None:
    run = two_editions["second"]
    changes = SampleSite.manifest(2)["changes"]
    assert (run.new, run.changed, run.gone, run.duplicates) == (
        len(changes["added"]),
        len(changes["changed"]),
        len(changes["gone"]),
        1,  # the near-duplicate copy became a second source
    )
    assert run.failed == 0
    assert "changed" in two_editions["stdout"]


def test_tracking_parameter_does_not_make_a_second_page(two_editions: dict) -> None:
    with session(two_editions["db"]) as s:
        urls = s.exec(select(Page.url)).all()
    assert not [u for u in urls if "from=" in u]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spider", "nope", "--start-url", "http://127.0.0.1:9/"], "--spider must be one of"),
        (["--start-url", "ftp://x"], "--start-url must be an http(s) URL"),
        (["--site", "no-such-site"], "no site profile"),
        ([], "discover needs --start-url"),
        (["--spider", "sitemap"], "sitemap needs --start-url"),
    ],
)
def test_bad_crawl_arguments_are_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["crawl", "--db", f"sqlite:///{tmp_path / 'kb.sqlite'}", *args])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith("kb: error:") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unreachable_redis_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kb",
            "crawl",
            "--redis",
            "redis://127.0.0.1:9/0",
            "--start-url",
            "http://127.0.0.1:9/",
            "--db",
            f"sqlite:///{tmp_path / 'kb.sqlite'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("kb: error: cannot reach Redis") and "Traceback" not in proc.stderr


def test_edition_2_is_news_not_a_template_change(two_editions: dict) -> None:
    """The normal night (a few real edits, rotated cards and counters everywhere) raises no alarm."""
    with session(two_editions["db"]) as s:
        rows = s.exec(select(RunSite).where(RunSite.run_id == two_editions["second"].id)).all()
        held = s.exec(select(func.count()).select_from(Version).where(Version.held.is_not(None))).one()
    assert {r.site for r in rows} == {"sample-portal", "sample-city"}
    assert all(r.alarm is None and r.held is None for r in rows) and held == 0
    assert sum(r.changed for r in rows) == 3
