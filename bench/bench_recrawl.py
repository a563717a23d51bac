"""First crawl against recrawl of the unchanged sample site: time, share of 304s, new versions.

Each round: a fresh SQLite KB, ``SampleSite(1)`` on loopback, ``kb crawl --delay 0`` (the first crawl:
every page fetched, extracted, ingested), then the same command again (the recrawl: the KB's known pages
revisited with our stored If-None-Match / If-Modified-Since). Both are real subprocesses. Reported per
crawl: the run's own duration (the KB's Run row: spider open to close) and the process wall time (adds
interpreter, Scrapy and import start-up, a constant ~3 s here); the share of the site's page responses
(GET ``*.html``) that were 304; versions the recrawl made. Medians over ``--rounds``; the ratio is first
over recrawl, measured in the same round.

    python -m bench recrawl [--rounds 3] [--latency 0.0] [--spider discover]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def crawl(db: str, start_urls: list[str], spider: str) -> float:
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, "--spider", spider]
    for url in start_urls:
        args += ["--start-url", url]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"kb crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall


def last_run(db: str) -> dict[str, Any]:
    from sqlmodel import func, select

    from kb.db import session
    from kb.models import Run, Version

    with session(db) as s:
        run = s.exec(select(Run).order_by(Run.id.desc())).first()
        assert run is not None and run.finished_at is not None
        versions = s.exec(select(func.count()).select_from(Version).where(Version.run_id == run.id)).one()
        return {
            "duration": (run.finished_at - run.started_at).total_seconds(),
            "fetched": run.fetched,
            "not_modified": run.not_modified,
            "versions": versions,
        }


def page_statuses(requests: list[dict[str, Any]]) -> list[int]:
    return [
        r["status"] for r in requests if r["method"] == "GET" and r["path"].split("?")[0].endswith(".html")
    ]


def one_round(workdir: Path, latency: float, spider: str) -> dict[str, Any]:
    from sample_site.server import SampleSite

    db = f"sqlite:///{workdir / 'kb.sqlite'}"
    with SampleSite(edition=1, latency=latency) as site:
        first_wall = crawl(db, site.start_urls, "discover")
        first = last_run(db)
        first_statuses = page_statuses(site.requests)
        site.reset_log()
        again_wall = crawl(db, site.start_urls, spider)
        again = last_run(db)
        statuses = page_statuses(site.requests)
    return {
        "first_wall": first_wall,
        "first_run": first["duration"],
        "first_pages": len(first_statuses),
        "first_versions": first["versions"],
        "again_wall": again_wall,
        "again_run": again["duration"],
        "again_pages": len(statuses),
        "again_304": sum(1 for s in statuses if s == 304),
        "again_versions": again["versions"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench recrawl", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the site adds per request")
    parser.add_argument("--spider", default="discover", choices=["discover", "refresh"])
    args = parser.parse_args(argv)
    rounds = []
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-recrawl-") as tmp:
            r = one_round(Path(tmp), args.latency, args.spider)
        rounds.append(r)
        print(
            f"round {n + 1}: first {r['first_run']:.2f} s run / {r['first_wall']:.2f} s wall "
            f"({r['first_pages']} pages, {r['first_versions']} versions); recrawl {r['again_run']:.2f} s run / "
            f"{r['again_wall']:.2f} s wall ({r['again_304']}/{r['again_pages']} 304, "
            f"{r['again_versions']} new versions)",
            flush=True,
        )

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    run_ratio = statistics.median(r["first_run"] / r["again_run"] for r in rounds)
    wall_ratio = statistics.median(r["first_wall"] / r["again_wall"] for r in rounds)
    share = statistics.median(r["again_304"] / max(1, r["again_pages"]) for r in rounds)
    print(
        f"\nmedians over {len(rounds)} rounds (latency {args.latency:.3f} s/request, recrawl: {args.spider})"
    )
    print("| crawl | run time | wall time | page responses | 304 | new versions |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| first | {med('first_run'):.2f} s | {med('first_wall'):.2f} s | {med('first_pages'):.0f} | 0 "
        f"| {med('first_versions'):.0f} |"
    )
    print(
        f"| recrawl | {med('again_run'):.2f} s | {med('again_wall'):.2f} s | {med('again_pages'):.0f} "
        f"| {share:.1%} | {med('again_versions'):.0f} |"
    )
    print(
        f"\nrecrawl speed-up: {run_ratio:.1f}x (run time), {wall_ratio:.1f}x (wall time, start-up included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
