"""Hostile loopback sites for the scope tests: each serves what a test tells it to and logs what reached it.

A ``HostileSite`` answers from a table of ``path -> (status, headers, body)`` that a test may change
between crawls (a known page that starts redirecting). ``kb_crawl`` runs the real command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import select

from kb.db import session
from kb.models import Body, FetchError, Page, Run, Version
from sample_site.server import LoopbackSite, Reply

Route = Reply

ROBOTS_OK: Route = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")


def html(body: str, head: str = "") -> Route:
    page = f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8")


def qa_page(question: str, marker: str = "", more: str = "", head: str = "") -> Route:
    """A medical-insurance Q&A page (the kind the KB keeps as an entry); ``more``: HTML after the answer."""
    answer = "".join(
        f"<p>职工医保门诊报销比例为70%,{marker}年度最高支付限额为3000元,需在定点医院就医并持医保卡结算。</p>"
        for _ in range(3)
    )
    return html(f"<h1>{question}</h1><div class='answer'>{answer}</div>{more}", head)


def redirect(status: int, location: str) -> Route:
    return status, {"Location": location, "Content-Type": "text/html"}, b""


class HostileSite(LoopbackSite):
    """A loopback site on ``host`` (a free port) serving ``routes``; ``paths``: every path requested."""

    def __init__(self, host: str = "127.0.0.1", routes: dict[str, Route] | None = None) -> None:
        self.host = host
        self.routes: dict[str, Route] = {"/robots.txt": ROBOTS_OK, **(routes or {})}
        self.paths: list[str] = []  # every path requested, robots.txt included

    def answer(self, path: str) -> Route:
        self.paths.append(path)
        if path not in self.routes:
            _, headers, body = html("<h1>not here</h1>")
            return 404, headers, body
        return self.routes[path]

    def pages(self) -> list[str]:
        """What reached this site apart from robots.txt."""
        return [p for p in self.paths if p != "/robots.txt"]


def kb_crawl(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``kb crawl`` for real, fast on loopback: no delay, 1 s timeouts, no retries."""
    command = [
        sys.executable,
        "-m",
        "kb",
        "crawl",
        "--db",
        db,
        "--delay",
        "0",
        "--timeout",
        "2",
        "--retries",
        "0",
    ]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def fetch_errors(db: str) -> dict[str, str]:
    """url -> kind of every fault recorded (the last one per URL)."""
    with session(db) as s:
        return {e.url: e.kind for e in s.exec(select(FetchError).order_by(FetchError.id)).all()}


def fetch_error_details(db: str) -> dict[str, str]:
    with session(db) as s:
        return {e.url: e.detail for e in s.exec(select(FetchError).order_by(FetchError.id)).all()}


def urls_seen(db: str) -> list[str]:
    """Every URL the KB holds anything for: pages and faults."""
    with session(db) as s:
        pages = [p.url for p in s.exec(select(Page)).all()]
        faults = [e.url for e in s.exec(select(FetchError)).all()]
    return pages + faults


def kb_text(db: str) -> str:
    """Everything the KB stored that came from a response: bodies and answers (to look for a marker)."""
    with session(db) as s:
        bodies = [b.data.decode("utf-8", "replace") for b in s.exec(select(Body)).all()]
        answers = [f"{v.question}\n{v.answer}" for v in s.exec(select(Version)).all()]
    return "\n".join(bodies + answers)


def last_run_args(db: str) -> dict[str, Any]:
    import json

    with session(db) as s:
        run = s.exec(select(Run).order_by(Run.id.desc())).first()
        assert run is not None
        return json.loads(run.args or "{}")


def secret_file(folder: Path, marker: str) -> Path:
    """A local file a hostile page points at: an HTML Q&A page, so if read it would become an entry."""
    path = folder / "secret.html"
    path.write_bytes(qa_page(f"本机文件里的医保问题{marker}?", marker)[2])
    return path
