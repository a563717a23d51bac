"""How the crawl looks to an operator: `kb crawl`'s exit status when nothing could be fetched, and
`scrapy crawl discover -a start_url=...` from the repo root (scrapy.cfg) filling the same KB."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from kb.db import session
from kb.models import Entry, FetchError, Run
from tests.faultserver import QA, FaultServer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_crawl_that_fetches_nothing_fails_with_exit_1(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    url = f"http://127.0.0.1:{closed_port()}/"
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--timeout", "2", "--retries", "0"]
    proc = subprocess.run([*args, "--db", db, "--start-url", url], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr  # a site that is down is an everyday fault: one line each
    # robots.txt could not be fetched either: RFC 9309 says fetch nothing, and the fault says why
    assert "failed" in proc.stdout and '"robots_unavailable": 1' in proc.stdout
    with session(db) as s:
        run = s.exec(select(Run)).one()
        errors = s.exec(select(FetchError)).all()
        assert s.exec(select(Entry)).all() == []
    assert run.status == "failed" and run.new == 0
    assert [(e.url, e.kind) for e in errors] == [(url, "robots_unavailable")]
    assert "ConnectionRefused" in errors[0].detail


@pytest.mark.parametrize(("status", "code"), [(503, 1), (404, 0)])
def test_robots_txt_unavailable_means_fetch_nothing_missing_means_no_rules(
    status: int, code: int, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--retries", "1", "--db", db]
    with FaultServer(faults=False, robots_status=status) as fs:
        proc = subprocess.run(
            [*args, "--start-url", fs.start_url], capture_output=True, text=True, timeout=60
        )
        paths = [r["path"] for r in fs.requests]
    assert proc.returncode == code, proc.stderr
    with session(db) as s:
        errors = [(e.url, e.kind) for e in s.exec(select(FetchError)).all()]
        entries = s.exec(select(Entry)).all()
    if status == 503:  # RFC 9309 2.3.1.4: a server error on robots.txt is a complete disallow
        assert set(paths) == {"/robots.txt"} and len(paths) == 2  # tried, retried once, nothing else
        assert errors == [(fs.start_url, "robots_unavailable")] and entries == []
    else:  # no robots.txt: no rules
        assert errors == [] and len(entries) == len(QA)


def test_a_site_that_resets_every_connection_is_retried_with_backoff(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--timeout", "2", "--retries", "2"]
    with FaultServer(faults=False) as fs:
        url = fs.url("/fault/reset.html")
        proc = subprocess.run(
            [*args, "--db", db, "--start-url", url], capture_output=True, text=True, timeout=60
        )
        hits = fs.hits("/fault/reset.html")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    # Twisted re-sends a request at once when a reused connection drops: those are one try.
    tries = [h["at"] for i, h in enumerate(hits) if i == 0 or h["at"] - hits[i - 1]["at"] > 0.05]
    assert len(tries) == 3  # the first and two retries
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2, gaps  # RETRY_BACKOFF_BASE 0.1 s on loopback, doubling
    with session(db) as s:
        assert [(e.url, e.kind) for e in s.exec(select(FetchError)).all()] == [(url, "connection")]


def test_scrapy_crawl_discover_works_from_the_repo_root(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with FaultServer(faults=False) as fs:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "discover",
                "-a",
                f"start_url={fs.start_url}",
                "-s",
                f"KB_DB_URL={db}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        agent = fs.hits("/")[0]["headers"]["user-agent"]
    assert proc.returncode == 0, proc.stderr
    assert agent.startswith("yibao-kb/")  # the project's settings, not Scrapy's defaults
    with session(db) as s:
        run = s.exec(select(Run)).one()
        questions = {e.question for e in s.exec(select(Entry)).all()}
    assert questions == {q for q, _ in QA.values()}
    assert run.spider == "discover" and run.status == "ok" and run.new == len(QA)
