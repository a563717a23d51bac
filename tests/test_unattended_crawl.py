"""Crawl outcomes that mean what they say: dead links are counted and listed, not faults, and not
fetched every night; a closed port fetched nothing; huge answers are cut and shown fast."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from extract import extract_page
from extract.core import MAX_ANSWER_CHARS
from kb.db import session
from kb.ingest import ingest
from kb.models import Page, Run
from sample_site.seeds import answer_text, load_seeds
from tests.test_kb_helpers import PORTAL, snap

SEED = load_seeds()[0]
QA_PAGE = (
    f"<html><head><title>{SEED['question']}</title></head><body><h1>{SEED['question']}</h1>"
    f"<div class='answer'>{''.join(f'<p>{p}</p>' for p in answer_text(SEED['blocks']).split(chr(10) * 2))}</div>"
    "</body></html>"
)
DEAD = [f"/gone/{i}.html" for i in range(6)]


class DeadLinkSite:
    """A loopback site whose one Q&A page links to six pages that do not exist (404), with a request log."""

    def __enter__(self) -> DeadLinkSite:
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                site.requests.append(self.path)
                if self.path == "/qa/1.html":
                    links = "".join(f'<a href="{p}">相关问题 {p}</a>' for p in DEAD)
                    body = QA_PAGE.replace("</body>", f"<ul>{links}</ul></body>").encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                else:
                    body = b"not found"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def start_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/qa/1.html"


def kb(*args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, **({"KB_NOW": now} if now else {})}
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture
def dead_site() -> Iterator[DeadLinkSite]:
    with DeadLinkSite() as site:
        yield site


@pytest.mark.slow
def test_dead_links_are_counted_listed_and_not_refetched_every_night(
    dead_site: DeadLinkSite, db_url: str
) -> None:
    crawl = ["crawl", "--delay", "0", "--start-url", dead_site.start_url, "--db", db_url]
    first = kb(*crawl, now="2026-03-01T02:00:00")
    assert first.returncode == 0, first.stderr  # six dead links are not a failed crawl
    with session(db_url) as s:
        run = s.exec(select(Run)).one()
        dead = s.exec(select(Page).where(Page.status == "dead")).all()
    assert run.status == "ok" and run.dead_links == 6 and run.failed == 0 and run.new == 1
    assert sorted(p.url.split("/", 3)[3] for p in dead) == [p.lstrip("/") for p in DEAD]
    report = kb("report", "--format", "json", "--db", db_url)
    data = json.loads(report.stdout)
    assert sorted(d["url"] for d in data["dead_links"]) == sorted(p.url for p in dead)
    assert data["runs"][-1]["dead_links"] == 6
    assert "Dead links (6)" in kb("report", "--format", "md", "--db", db_url).stdout
    html = kb("report", "--format", "html", "--db", db_url).stdout
    assert "Dead links" in html and all(p in html for p in DEAD)

    dead_site.requests.clear()
    second = kb(*crawl, now="2026-03-02T02:00:00")  # the next night: the dead links rest
    assert second.returncode == 0, second.stderr
    assert not set(DEAD) & set(dead_site.requests) and "/qa/1.html" in dead_site.requests
    dead_site.requests.clear()
    week = kb(*crawl, now="2026-03-09T02:00:00")  # a week on: checked again, then after two weeks
    assert week.returncode == 0, week.stderr
    assert set(DEAD) <= set(dead_site.requests)
    with session(db_url) as s:
        runs = s.exec(select(Run).order_by(Run.id)).all()
        nexts = {p.next_due for p in s.exec(select(Page).where(Page.status == "dead")).all()}
    assert [r.dead_links for r in runs] == [6, 0, 6] and all(r.status == "ok" for r in runs)
    assert {f"{d:%Y-%m-%d}" for d in nexts} == {"2026-03-23"}


@pytest.mark.slow
def test_a_closed_port_fetched_nothing(db_url: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = kb(
        "crawl", "--delay", "0", "--retries", "0", "--start-url", f"http://127.0.0.1:{port}/", "--db", db_url
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    with session(db_url) as s:
        run = s.exec(select(Run)).one()
    assert run.fetched == 0 and run.failed == 1 and run.status == "failed"


def test_a_huge_answer_is_cut_and_says_so() -> None:
    paragraph = "职工医保住院报销比例按医院等级确定,具体以当地医保局公布为准。" * 40
    body = QA_PAGE.replace("</div>", f"{''.join(f'<p>{paragraph}</p>' for _ in range(100))}</div>")
    page = extract_page(body.encode(), f"{PORTAL}/ask/huge.html", "text/html; charset=utf-8")
    assert page.page_type == "qa" and len(page.answer) <= MAX_ANSWER_CHARS
    assert page.note == "answer cut at 50 000 characters"
    assert page.answer.startswith(answer_text(SEED["blocks"]).split("\n\n")[0][:20])
    small = extract_page(QA_PAGE.encode(), f"{PORTAL}/ask/1.html", "text/html; charset=utf-8")
    assert small.note is None and small.answer


def test_kb_show_prints_a_huge_answer_at_once(db_url: str, tmp_path: Path) -> None:
    """Rich's highlighter is quadratic on text like this (its tag pattern, ``<`` without ``>``): a
    216 000-character answer takes minutes with it on, about two seconds without."""
    answer = "费用 <起付线 1000 元时,封顶线 300000 元 " * 8000  # 216 000 characters
    with session(db_url) as s:
        entry_id = ingest(s, snap(f"{PORTAL}/ask/huge.html", "住院报销比例是多少?", answer), None).entry_id
    proc = subprocess.run(
        [sys.executable, "-m", "kb", "show", entry_id, "--db", db_url],
        capture_output=True,
        text=True,
        timeout=30,  # a generous budget: it takes about a second
    )
    assert proc.returncode == 0 and "封顶线 300000 元" in proc.stdout


def test_a_dead_link_rests_longer_each_time_it_is_still_dead() -> None:
    """The recheck interval every spider reads (discover, sitemap, refresh): 7, 14, 28, 56, then 90 days."""
    from datetime import datetime, timedelta

    from kb.models import Page as PageRow
    from kb.revisit import KnownPage, resting, schedule_dead

    row = PageRow(url=f"{PORTAL}/gone.html", status="dead", first_seen=datetime(2026, 3, 1))
    waits = []
    at = datetime(2026, 3, 1)
    for _ in range(6):
        schedule_dead(row, snap(row.url, status=404, at=at))
        waits.append((row.next_due - at).days)
        at = row.next_due
    assert waits == [7, 14, 28, 56, 90, 90]
    known = KnownPage(row.url, "sample-portal", "dead", None, None, row.next_due, at, False, False)
    assert resting(known, row.next_due - timedelta(seconds=1)) and not resting(known, row.next_due)
    alive = KnownPage(row.url, "sample-portal", "ok", None, None, row.next_due, at, False, False)
    assert not resting(alive, at)
