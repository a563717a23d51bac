"""Latency of the editors' app (``kb serve``) over a 100k-entry KB, against a plain SELECT of the same rows.

The KB is bench_export_memory's synthetic one (one ~280-character answer per entry, 1.5 sources, a third
flagged needs_verification), plus what the queue reads: an ``added`` event per entry, and for one entry in
ten a second version with a ``changed`` event (a figure moved) and a ``stale`` flag. The app runs under
uvicorn on loopback (``kb serve``, one process); each page is fetched ``--repeat`` times over one
keep-alive connection, logged in as an editor. The baseline is the same run's plain SELECT (sqlite3,
no ORM) of the rows the page shows: for the overview, five rows of each non-empty group; for a group, its
first 50 items with their questions; for the entry page, the entry, its versions and its sources; for
search, the first 50 rowids the trigram index matches.

    python -m bench app                     # 100k entries, 200 requests per page
    python -m bench.bench_app [--entries N] [--repeat N] [--dir DIR]   # DIR keeps the KB for reruns
"""

from __future__ import annotations

import argparse
import http.client
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bench.bench_export_memory import make_kb


def add_queue_rows(url: str, n: int, batch: int = 5000) -> None:
    """``added`` events for every entry; a second version, a ``changed`` event and ``stale`` for one in ten."""
    from sqlalchemy import insert, update

    from kb.db import session
    from kb.models import Entry, Event, Flag, Version

    t0 = datetime(2026, 1, 5, 2, 0, 0)
    with session(url) as s:
        for start in range(0, n, batch):
            events, versions, flags, bumped = [], [], [], []
            for i in range(start, min(start + batch, n)):
                eid = f"e{i:015x}"
                t = t0 + timedelta(seconds=i)
                events.append(dict(run_id=None, entry_id=eid, kind="added", at=t, version_to=1, detail="{}"))
                if i % 10 == 0:
                    later = t + timedelta(days=30)
                    q = f"第{i}号问题:职工医保门诊报销怎么算?"
                    a = f"起付标准{1000 + i % 5000}元以上的部分由统筹基金按70%支付,年度最高支付限额为{30000 + i}元。"
                    versions.append(
                        dict(
                            entry_id=eid,
                            number=2,
                            question=q,
                            answer=a,
                            content_hash=f"b{i:063x}",
                            source_url=f"http://127.0.0.1:8001/ask/{i}.html",
                            created_at=later,
                        )
                    )
                    events.append(
                        dict(
                            run_id=None,
                            entry_id=eid,
                            kind="changed",
                            at=later,
                            version_from=1,
                            version_to=2,
                            detail='{"reason": "content"}',
                        )
                    )
                    flags.append(
                        dict(entry_id=eid, name="stale", reason="last vouched 200 days ago", raised_at=later)
                    )
                    bumped.append(eid)
            s.execute(insert(Version), versions)
            s.execute(insert(Event), events)
            s.execute(insert(Flag), flags)
            s.execute(update(Entry).where(Entry.id.in_(bumped)).values(version=2))  # type: ignore[attr-defined]
            s.commit()
    # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm (template compile, page cache)
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


class Browser:
    """One keep-alive HTTP connection with the session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request("POST" if form is not None else "GET", path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode()
        cookie = r.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return r.status, text

    def login(self, name: str, password: str) -> None:
        _, page = self.fetch("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        status, _ = self.fetch("/login", {"csrf": token, "name": name, "password": password, "next": "/"})
        assert status == 303, status

    def get_ok(self, path: str) -> Callable[[], object]:
        def call() -> object:
            status, text = self.fetch(path)
            assert status == 200, (path, status)
            return text

        return call


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench app")
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args(argv)
    from kb.accounts import add_user
    from kb.db import session
    from tests.app_helpers import serve

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-app-"))
    path = folder / f"app-{args.entries}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        t = time.perf_counter()
        make_kb(url, args.entries)
        add_queue_rows(url, args.entries)
        with session(url) as s:
            add_user(s, "bench", "bench-password")
        print(f"built {args.entries:,} entries in {time.perf_counter() - t:.0f} s: {path}", flush=True)
    raw = sqlite3.connect(path)
    middle = raw.execute("SELECT id FROM event WHERE kind = 'added' ORDER BY id LIMIT 1 OFFSET ?",
                         (args.entries // 2,)).fetchone()[0]  # fmt: skip
    entry = raw.execute(
        "SELECT entry_id FROM event WHERE kind = 'changed' ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    queue_sql = (
        "SELECT ev.id, e.id, e.question, e.site, e.status, e.version, ev.at FROM event ev JOIN entry e"
        " ON e.id = ev.entry_id WHERE ev.kind = ? AND ev.version_to = e.version {} ORDER BY ev.id DESC LIMIT 50"
    )
    baselines = {
        "queue overview": lambda: (
            [  # the overview's rows: five of each non-empty group
                raw.execute(queue_sql.format("").replace("LIMIT 50", "LIMIT 5"), (kind,)).fetchall()
                for kind in ("changed", "added")
            ]
            + [
                raw.execute(
                    "SELECT f.id, e.id, e.question FROM flag f JOIN entry e ON e.id = f.entry_id"
                    " WHERE f.name = ? AND f.cleared_at IS NULL ORDER BY f.id DESC LIMIT 5",
                    (name,),
                ).fetchall()
                for name in ("needs_verification", "stale")
            ]
        ),
        "queue: Changed, first 50": lambda: raw.execute(queue_sql.format(""), ("changed",)).fetchall(),
        "queue: New, page at 50%": lambda: raw.execute(
            queue_sql.format("AND ev.id < ?"), ("added", middle)
        ).fetchall(),
        "entry page": lambda: (
            raw.execute("SELECT * FROM entry WHERE id = ?", (entry,)).fetchall(),
            raw.execute("SELECT * FROM version WHERE entry_id = ? ORDER BY number", (entry,)).fetchall(),
            raw.execute("SELECT * FROM page WHERE entry_id = ?", (entry,)).fetchall(),
        ),
        "search (3 characters)": lambda: raw.execute(
            "SELECT rowid FROM version_fts WHERE version_fts MATCH '\"统筹基\"' LIMIT 50"
        ).fetchall(),
    }
    pages = {
        "queue overview": "/",
        "queue: Changed, first 50": "/?group=changed",
        "queue: New, page at 50%": f"/?group=added&before={middle}",
        "entry page": f"/entries/{entry}",
        "search (3 characters)": "/search?q=" + urllib.parse.quote("统筹基"),
    }
    rows = []
    with serve(url) as base:
        browser = Browser(int(base.rsplit(":", 1)[1]))
        browser.login("bench", "bench-password")
        for name, path_ in pages.items():
            app_ms = timed(browser.get_ok(path_), args.repeat)
            sql_ms = timed(baselines[name], args.repeat)
            rows.append((name, app_ms, sql_ms))
    print(f"\n{args.entries:,} entries, {args.repeat} requests each (ms)")
    print("| page | app median | app p95 | plain SELECT median | SELECT p95 | ratio (medians) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, app_ms, sql_ms in rows:
        am, ap95 = statistics.median(app_ms), percentile(app_ms, 0.95)
        sm, sp95 = statistics.median(sql_ms), percentile(sql_ms, 0.95)
        print(f"| {name} | {am:.1f} | {ap95:.1f} | {sm:.2f} | {sp95:.2f} | {am / sm:.0f}× |")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
