"""First crawl against recrawl of the unchanged sample site: time, share of 304s, new versions.

Each round: a fresh SQLite KB, ``SampleSite(1)`` on loopback, ``kb crawl --delay 0`` (the first crawl:
every page fetched, extracted, ingested), then the same command again (the recrawl: the KB's known pages
revisited with our stored If-None-Match / If-Modified-Since). Both are real subprocesses. Reported per
crawl: the run's own duration (the KB's Run row: spider open to close) and the process wall time (adds
interpreter, Scrapy and import start-up, a constant ~3 s here); the share of the site's page responses
(GET ``*.html``) that were 304; versions the recrawl made; the crawl process's CPU time (user + sys:
what our side spends, whatever the site's latency) and the response bytes it downloaded (Scrapy's
``downloader/response_bytes``: what the site spends). Medians over ``--rounds``; the ratios are first
over recrawl, measured in the same round.

    python -m bench recrawl [--rounds 3] [--latency 0.0] [--spider discover]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def crawl(db: str, start_urls: list[str], spider: str) -> dict[str, float]:
    """Run one ``kb crawl``: its wall time, CPU time and downloaded response bytes."""
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, "--spider", spider]
    for url in start_urls:
        args += ["--start-url", url]
    env = dict(os.environ, KB_LOG_LEVEL="INFO")  # INFO: Scrapy prints its closing stats
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"kb crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = re.search(r"'downloader/response_bytes': (\d+)", proc.stderr)
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "bytes": float(found.group(1)) if found else float("nan"),
    }


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
        first_proc = crawl(db, site.start_urls, "discover")
        first = last_run(db)
        first_statuses = page_statuses(site.requests)
        site.reset_log()
        again_proc = crawl(db, site.start_urls, spider)
        again = last_run(db)
        statuses = page_statuses(site.requests)
    return {
        "first_wall": first_proc["wall"],
        "first_cpu": first_proc["cpu"],
        "first_bytes": first_proc["bytes"],
        "first_run": first["duration"],
        "first_pages": len(first_statuses),
        "first_versions": first["versions"],
        "again_wall": again_proc["wall"],
        "again_cpu": again_proc["cpu"],
        "again_bytes": again_proc["bytes"],
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
            f"round {n + 1}: first {r['first_run']:.2f} s run / {r['first_wall']:.2f} s wall / "
            f"{r['first_cpu']:.2f} s CPU ({r['first_pages']} pages, {r['first_versions']} versions); "
            f"recrawl {r['again_run']:.2f} s run / {r['again_wall']:.2f} s wall / {r['again_cpu']:.2f} s CPU "
            f"({r['again_304']}/{r['again_pages']} 304, {r['again_versions']} new versions)",
            flush=True,
        )

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    def ratio(key: str) -> float:
        return statistics.median(r[f"first_{key}"] / r[f"again_{key}"] for r in rounds)

    share = statistics.median(r["again_304"] / max(1, r["again_pages"]) for r in rounds)
    print(
        f"\nmedians over {len(rounds)} rounds (latency {args.latency:.3f} s/request, recrawl: {args.spider})"
    )
    print(
        "| crawl | run time | wall time | CPU time | response bytes | page responses | 304 | new versions |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| first | {med('first_run'):.2f} s | {med('first_wall'):.2f} s | {med('first_cpu'):.2f} s "
        f"| {med('first_bytes') / 1024:.0f} KiB | {med('first_pages'):.0f} | 0 | {med('first_versions'):.0f} |"
    )
    print(
        f"| recrawl | {med('again_run'):.2f} s | {med('again_wall'):.2f} s | {med('again_cpu'):.2f} s "
        f"| {med('again_bytes') / 1024:.0f} KiB | {med('again_pages'):.0f} | {share:.1%} "
        f"| {med('again_versions'):.0f} |"
    )
    print(
        f"\nrecrawl: {ratio('run'):.1f}x faster (run time), {ratio('wall'):.1f}x (wall time, start-up "
        f"included), {ratio('cpu'):.1f}x less CPU, {ratio('bytes'):.0f}x fewer response bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
