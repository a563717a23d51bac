"""Real crawls of a site that fails in every way (tests/faultserver.py): each fault is recorded against its
URL, politeness holds (robots.txt, Retry-After, no off-domain redirect), and a bad night damages no entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from kb.db import session
from kb.models import Entry, FetchError, Page, Run, Version
from tests.faultserver import (
    FAULTY_AS,
    FLAKY_QA,
    GBK_QA,
    HOME_CANONICAL,
    OFF_TOPIC,
    QA,
    SLOW_QA,
    FaultServer,
)

pytestmark = pytest.mark.slow

# What each fault page must be recorded as in the first run.
EXPECTED = {
    "/fault/500.html": "http_5xx",
    "/fault/reset.html": "connection",
    "/fault/timeout.html": "timeout",
    "/fault/truncated.html": "truncated",
    "/fault/huge.html": "too_large",
    "/fault/bomb.html": "too_large",
    "/fault/loop-a.html": "redirect_loop",
    "/fault/binary.html": "binary",
    "/go/elsewhere.html": "offsite_redirect",
    "/private/secret.html": "robots",
}
# ... and each good page, once the server turns it into a fault.
FAULTY_KINDS = {"500": "http_5xx", "reset": "connection", "truncated": "truncated", "binary": "binary"}
FAULTY_KINDS |= {"timeout": "timeout", "empty": "empty_body"}


def crawl(fs: FaultServer, db: str) -> subprocess.CompletedProcess[str]:
    args = [
        sys.executable,
        "-m",
        "kb",
        "crawl",
        "--delay",
        "0",
        "--timeout",
        "1",
        "--retries",
        "1",
        "--db",
        db,
    ]
    return subprocess.run([*args, "--start-url", fs.start_url], capture_output=True, text=True, timeout=120)


def kb_state(db: str) -> dict:
    """Everything a fault must not touch: entries and their versions."""
    with session(db) as s:
        entries = {
            e.id: (e.question, e.status, e.version, e.content_hash, e.canonical_url)
            for e in s.exec(select(Entry)).all()
        }
        versions = sorted(
            (v.entry_id, v.number, v.content_hash, v.answer) for v in s.exec(select(Version)).all()
        )
    return {"entries": entries, "versions": versions}


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A good night (faults only on the fault pages), then a bad one (every good page fails)."""
    db = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'kb.sqlite'}"
    out: dict = {"db": db}
    with FaultServer(hang=3.0, retry_after=1) as fs:
        out["origin"] = fs.origin
        out["first"] = crawl(fs, db)
        out["state_first"] = kb_state(db)
        out["log_first"] = list(fs.requests)
        out["slow_hits"] = fs.hits("/slow/429.html")
        out["flaky_hits"] = fs.hits("/flaky/500.html")
        out["retried_hits"] = {p: fs.hits(p) for p in ("/fault/500.html", "/fault/reset.html")}
        out["elsewhere_hits"] = [r for r in fs.requests if r["host"] == "elsewhere"]
        fs.faulty = True
        out["second"] = crawl(fs, db)
        out["state_second"] = kb_state(db)
    with session(db) as s:
        runs = s.exec(select(Run).order_by(Run.id)).all()
        out["runs"] = runs
        out["errors"] = {
            run.id: {e.url: e.kind for e in s.exec(select(FetchError).where(FetchError.run_id == run.id))}
            for run in runs
        }
        out["pages"] = s.exec(select(Page.url)).all()
    return out


def test_good_night_finishes_and_stores_the_good_pages(nights: dict) -> None:
    assert nights["first"].returncode == 0, nights["first"].stderr
    assert "Traceback" not in nights["first"].stderr
    questions = {q for q, *_ in nights["state_first"]["entries"].values()}
    assert questions == {q for q, _ in QA.values()} | {GBK_QA[0], SLOW_QA[0], FLAKY_QA[0]}
    run = nights["runs"][0]
    assert run.status == "ok" and run.new == len(questions)


def test_every_fault_is_recorded_against_its_url(nights: dict) -> None:
    origin = nights["origin"]
    recorded = nights["errors"][nights["runs"][0].id]
    assert recorded == {origin + path: kind for path, kind in EXPECTED.items()}
    counts = json.loads(nights["runs"][0].errors)
    assert sum(counts.values()) == len(EXPECTED)


def test_robots_disallow_is_respected(nights: dict) -> None:
    assert not [r for r in nights["log_first"] if r["path"].startswith("/private/")]
    assert nights["runs"][0].robots_refused == 1


def test_off_domain_redirect_is_refused_and_recorded(nights: dict) -> None:
    """The redirect to another host is refused where it arrives (OffDomainRedirectMiddleware) and recorded
    against the redirecting URL; Scrapy's own OffsiteMiddleware would drop it too, but silently."""
    redirecting = nights["origin"] + "/go/elsewhere.html"
    assert nights["errors"][nights["runs"][0].id].get(redirecting) == "offsite_redirect"
    assert nights["elsewhere_hits"] == []


def test_429_waits_for_retry_after_then_retries(nights: dict) -> None:
    hits = nights["slow_hits"]
    assert [h["status"] for h in hits] == [429, 200]
    assert hits[1]["at"] - hits[0]["at"] >= 1.0  # Retry-After: 1


def test_faults_are_retried_once_after_a_pause(nights: dict) -> None:
    # `--retries 1`: one more try, never at once (the 429's Retry-After slowed the whole site down;
    # tests/test_crawl_cli.py times the backoff alone). A reset on a reused connection is re-sent by
    # Twisted itself at once, so the reset page can show two hits per try.
    for path, hits in nights["retried_hits"].items():
        tries = [h for i, h in enumerate(hits) if i == 0 or h["at"] - hits[i - 1]["at"] > 0.05]
        assert len(tries) == 2, (path, hits)
        assert tries[1]["at"] - tries[0]["at"] >= 0.1, path


def test_a_500_that_recovers_on_retry_is_a_page_not_a_fault(nights: dict) -> None:
    assert [h["status"] for h in nights["flaky_hits"]] == [500, 200]
    assert nights["origin"] + "/flaky/500.html" not in nights["errors"][nights["runs"][0].id]
    entry = [e for e in nights["state_first"]["entries"].values() if e[4].endswith("/flaky/500.html")]
    assert entry and entry[0][0] == FLAKY_QA[0] and entry[0][2] == 1


def test_a_page_under_several_urls_is_stored_once(nights: dict) -> None:
    pages = nights["pages"]
    # ... and pages whose rel=canonical names the home page are not folded into it
    assert {f"{nights['origin']}/qa/{n}.html" for n in HOME_CANONICAL} <= set(pages)
    assert not [u for u in pages if "utm_" in u or "from=" in u or "#" in u or "/alias/" in u]
    assert sum(1 for u in pages if u.endswith("/qa/2.html")) == 1
    requested = [r["path"] for r in nights["log_first"] if r["host"] == "main"]
    assert requested.count("/") == 1  # the start page, not again when pages link back to it


def test_off_topic_links_are_followed_one_hop_and_make_no_entry(nights: dict) -> None:
    fetched = {r["path"] for r in nights["log_first"] if r["host"] == "main"}
    assert {"/offtopic/1.html", "/offtopic/2.html"} <= fetched
    assert not {"/offtopic/3.html", "/offtopic/4.html"} & fetched
    questions = {q for q, *_ in nights["state_first"]["entries"].values()}
    assert not questions & {q for q, _ in OFF_TOPIC.values()}
    assert nights["runs"][0].off_topic == 2


def test_gbk_page_declared_utf8_is_read_right(nights: dict) -> None:
    entry = [e for e in nights["state_first"]["entries"].values() if e[4].endswith("/qa/gbk.html")]
    assert entry and entry[0][0] == GBK_QA[0]


def test_a_bad_night_damages_no_entry(nights: dict) -> None:
    second = nights["second"]
    assert "Traceback" not in second.stderr
    assert second.returncode == 1  # most fetches failed: the run failed, and says so
    assert nights["runs"][1].status == "failed"
    assert nights["state_second"] == nights["state_first"]
    recorded = nights["errors"][nights["runs"][1].id]
    origin = nights["origin"]
    # The start page answered 304: its links came from the stored body, so the fault pages were tried again.
    expected = {f"{origin}/qa/{n}.html": FAULTY_KINDS[kind] for n, kind in FAULTY_AS.items()}
    expected |= {origin + path: kind for path, kind in EXPECTED.items()}
    assert recorded == expected


def test_crawl_help_lists_the_operator_options(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "kb", "crawl", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for option in ("--site", "--start-url", "--max-pages", "--resume", "--jobdir", "--spider", "--delay"):
        assert option in proc.stdout
