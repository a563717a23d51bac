"""Two writers on one SQLite KB: one crawl at a time (the second is refused up front, exit 4), editors'
writes wait their turn, and a page the KB could not store is a failed page, never an "ok" run.

Real crawls of the sample site (`kb crawl` processes) into a real SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from kb.db import session
from kb.models import Entry, FetchError, Page, Run
from sample_site.server import SampleSite

pytestmark = pytest.mark.slow

EXIT_BUSY = 4


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite(edition=1) as s:
        yield s


def crawl(site: SampleSite, db: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *extra]
    for url in site.start_urls:
        args += ["--start-url", url]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def done(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def baseline(site: SampleSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, int]:
    """(pages stored, pages fetched) by one crawl of the sample site alone."""
    db = f"sqlite:///{tmp_path_factory.mktemp('baseline') / 'kb.sqlite'}"
    assert done(crawl(site, db))[0] == 0
    with session(db) as s:
        return len(s.exec(select(Page)).all()), s.exec(select(Run)).one().fetched


def test_a_second_crawl_is_refused_up_front_naming_the_first(site: SampleSite, db_url: str) -> None:
    first = crawl(site, db_url, "--delay", "0.02")
    lock = Path(db_url.split(":///", 1)[1] + ".lock")
    for _ in range(300):  # the first crawl holds the lock once its run exists
        if lock.exists() and "pid" in lock.read_text():
            break
        time.sleep(0.05)
    second = done(crawl(site, db_url))
    code, _, _ = done(first)
    assert code == 0
    assert second[0] == EXIT_BUSY, second
    lines = second[2].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kb: another crawl is writing to this KB (pid ")
    assert f"pid {first.pid} since " in lines[0]
    with session(db_url) as s:
        runs = s.exec(select(Run)).all()
    assert len(runs) == 1 and runs[0].status == "ok"  # the refused crawl did nothing, not even a run


def test_two_crawls_and_an_editor_at_once_lose_nothing(
    site: SampleSite, baseline: tuple[int, int], tmp_path: Path
) -> None:
    """Repeated: every crawl either stores every page or is refused up front; `kb verify` lands."""
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    assert done(crawl(site, db))[0] == 0
    with session(db) as s:
        entry_id = s.exec(select(Entry.id).order_by(Entry.id)).first()
        pages = len(s.exec(select(Page)).all())
        entries = len(s.exec(select(Entry)).all())
    assert pages == baseline[0]
    verify = [sys.executable, "-m", "kb", "verify", entry_id, "--by", "li.na", "--db", db]
    outcomes = []
    deadline = time.monotonic() + 25
    rounds = 0
    while rounds < 2 or (time.monotonic() < deadline and rounds < 4):
        rounds += 1
        racers = [crawl(site, db), crawl(site, db)]
        editor = subprocess.run(verify, capture_output=True, text=True, timeout=120)
        results = [done(p) for p in racers]
        assert editor.returncode == 0, editor.stderr
        assert "Traceback" not in editor.stderr
        for code, _out, err in results:
            assert code in (0, EXIT_BUSY), err
            assert "Traceback" not in err and "database is locked" not in err
            outcomes.append(code)
        assert 0 in [c for c, _, _ in results]  # one of them crawled
    with session(db) as s:
        runs = s.exec(select(Run).where(Run.kind == "crawl")).all()
        assert len(s.exec(select(Page)).all()) == pages and len(s.exec(select(Entry)).all()) == entries
        lost = s.exec(select(FetchError).where(FetchError.kind == "store_error")).all()
    assert len(runs) == 1 + outcomes.count(0)  # a refused crawl leaves no run
    for run in runs:  # every run that says ok fetched and stored every page
        assert run.status == "ok" and run.failed == 0 and "store_error" not in json.loads(run.errors)
        assert run.fetched == baseline[1]
    assert lost == []


def test_a_page_the_kb_could_not_store_fails_the_run(
    site: SampleSite, baseline: tuple[int, int], db_url: str
) -> None:
    """Someone holds SQLite's write lock for a while mid-crawl (with a short busy timeout): the pages
    that could not be stored are counted failed (store_error), the run is failed, exit 1; no trace."""
    import os

    env = {**os.environ, "KB_SQLITE_BUSY_MS": "100"}
    proc = crawl(site, db_url, "--delay", "0.03", env=env)
    path = db_url.split(":///", 1)[1]
    for _ in range(400):  # wait for the crawl's first stored page
        try:
            with sqlite3.connect(path) as probe:
                if probe.execute("SELECT count(*) FROM page").fetchone()[0] > 0:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    time.sleep(1.5)
    holder.execute("ROLLBACK")
    holder.close()
    code, out, err = done(proc)
    assert code == 1, err
    assert "Traceback" not in err
    assert "pages could not be stored in the KB (store_error): the run failed" in err
    with session(db_url) as s:
        run = s.exec(select(Run)).one()
        stored = len(s.exec(select(Page)).all())
        lost = s.exec(select(FetchError).where(FetchError.kind == "store_error")).all()
    errors = json.loads(run.errors)
    assert run.status == "failed" and errors["store_error"] == len(lost) > 0
    assert run.failed == len(lost) and run.fetched == baseline[1]  # every page fetched is counted
    assert stored < baseline[0] <= stored + len(lost)  # what is not stored is counted lost
