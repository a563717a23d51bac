"""Scale-out: pages/second of one crawl split over 1 and 2 ``kb crawl --redis`` workers.

Each measurement: a fresh PostgreSQL KB (``kb db upgrade`` first), a fresh Redis key prefix, the sample
site served with ``--latency`` seconds added to every request (so the crawl waits on the network, as on
a real site, not on loopback), and N real ``kb crawl --delay 0 --redis URL`` processes started together.
Reported per N (medians over ``--rounds``, the N values alternating within each round):

- pages: page GETs the site served (robots.txt excluded), and whether each was fetched exactly once;
- pages/s: pages over the span between the first and the last page the KB recorded fetching
  (Page.last_fetched), so interpreter start-up and the workers' shared-idle wait at the end are out;
- wall: start of the processes to the last exit (adds ~3 s of start-up and the idle timeout);
- ratio: pages/s (and wall) against 1 worker, measured in the same round.

Needs PostgreSQL (``KB_BENCH_PG`` / ``KB_TEST_PG``, an admin URL that may create databases; default
postgresql://postgres@127.0.0.1:5432/postgres) and Redis (``--redis``); says so and skips when absent.

    python -m bench.bench_workers [--rounds 3] [--latency 1.0] [--workers 1 2]   (python -m bench workers: defaults)
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

PG_ADMIN = os.environ.get("KB_BENCH_PG") or os.environ.get(
    "KB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def fresh_database() -> Iterator[str]:
    """An empty PostgreSQL database at the newest schema, dropped afterwards."""
    import psycopg

    name = f"kbbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kb", "db", "upgrade", "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise SystemExit(f"kb db upgrade failed: {done.stderr[-2000:]}")
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch_span(db: str) -> tuple[int, float]:
    """(pages recorded, seconds between the first and the last page fetch) in the KB."""
    import sqlalchemy as sa

    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            n, first, last = conn.execute(
                sa.text(
                    "SELECT count(*), min(last_fetched), max(last_fetched) FROM page WHERE last_fetched IS NOT NULL"
                )
            ).one()
    finally:
        engine.dispose()
    return n, (last - first).total_seconds() if n > 1 else 0.0


def measure(workers: int, latency: float, redis_url: str) -> dict[str, Any]:
    """One crawl of the sample site by ``workers`` processes sharing it through Redis."""
    from sample_site.server import SampleSite

    env = {**os.environ, "KB_REDIS_PREFIX": f"kbbench:{uuid.uuid4().hex[:8]}"}
    with fresh_database() as db, SampleSite(latency=latency) as site:
        args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--redis", redis_url, "--db", db]
        for url in site.start_urls:
            args += ["--start-url", url]
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(workers)
        ]
        outputs = [p.communicate(timeout=600)[0] for p in procs]
        wall = time.perf_counter() - t0
        failed = [(p.returncode, out[-1500:]) for p, out in zip(procs, outputs, strict=True) if p.returncode]
        if failed:
            raise SystemExit(f"kb crawl --redis failed: {failed}")
        hits = Counter((r["site"], r["path"]) for r in site.requests if r["path"] != "/robots.txt")
        recorded, span = fetch_span(db)
    return {
        "pages": sum(hits.values()),
        "once": max(hits.values()) == 1,
        "recorded": recorded,
        "span": span,
        "pps": recorded / span if span else float("nan"),
        "wall": wall,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench workers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the sample site adds per request")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--redis", default=os.environ.get("KB_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    if not reachable(PG_ADMIN, 5432) or not reachable(args.redis, 6379):
        print(f"skipped: needs PostgreSQL ({PG_ADMIN}) and Redis ({args.redis})")
        return 0
    counts = sorted(set(args.workers))
    base = counts[0]
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    ratios: dict[int, list[tuple[float, float]]] = {n: [] for n in counts}
    for r in range(args.rounds):
        order = counts if r % 2 == 0 else counts[::-1]
        this = {n: measure(n, args.latency, args.redis) for n in order}
        for n in counts:
            results[n].append(this[n])
            ratios[n].append((this[n]["pps"] / this[base]["pps"], this[base]["wall"] / this[n]["wall"]))
            m = this[n]
            print(
                f"round {r + 1} workers {n}: {m['pages']} pages (once: {m['once']}), "
                f"{m['pps']:.1f} pages/s over {m['span']:.2f} s, wall {m['wall']:.2f} s",
                flush=True,
            )
    print(f"\nsample site, latency {args.latency:.2f} s per request; medians over {args.rounds} rounds")
    print("| workers | pages | each once | pages/s | ratio (pages/s) | wall s | ratio (wall) |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for n in counts:
        runs = results[n]
        print(
            f"| {n} | {statistics.median(m['pages'] for m in runs):.0f} | {all(m['once'] for m in runs)} "
            f"| {statistics.median(m['pps'] for m in runs):.1f} "
            f"| {statistics.median(x for x, _ in ratios[n]):.2f}x "
            f"| {statistics.median(m['wall'] for m in runs):.2f} "
            f"| {statistics.median(y for _, y in ratios[n]):.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
