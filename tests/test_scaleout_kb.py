"""`kb crawl --redis`: two worker processes split one crawl through real Redis into one real PostgreSQL KB.

The same sample site is crawled once by a single `kb crawl` (into SQLite) and once by two `kb crawl
--redis` workers (into PostgreSQL); the site's request log shows every page fetched exactly once, and the
two KBs hold the same entries: question, answer, content hash, sources, disclaimer, open flags.

Not compared, because they depend on which copy of an answer arrives first, in one process as in two:
ids and times; the version counter (a copy arriving first makes version 1 and the canonical source,
arriving later, version 2; the other way round it is version 1 only); ``published`` and so the
``stale`` flag (taken from the page that made the entry: when a dateless portal copy arrives before the
dated city page, the entry keeps no date even after the city page becomes its canonical source).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kb.db import session
from kb.export import export_entries
from sample_site.server import SampleSite
from tests.test_scaleout import gate

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


def kb_crawl(site: SampleSite, db: str, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "kb", "crawl", "--delay", "0", "--db", db, *extra]
    for url in site.start_urls:
        args += ["--start-url", url]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def entries(db: str, path: Path) -> Counter[str]:
    """The KB's entries, each reduced to what does not depend on crawl order, as a multiset."""
    with session(db) as s:
        export_entries(s, path, fmt="json")
    found: Counter[str] = Counter()
    for e in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        key: dict[str, Any] = {
            "question": e["question"],
            "answer": e["answer"],
            "content_hash": e["content_hash"],
            "urls": sorted({e["url"], *(src["url"] for src in e["sources"])}),
            "flags": sorted(f["name"] for f in e["flags"] if f["name"] != "stale"),
            "has_verification_disclaimer": e["has_verification_disclaimer"],
            "is_medical_insurance": e["is_medical_insurance"],
        }
        found[json.dumps(key, ensure_ascii=False, sort_keys=True)] += 1
    return found


def page_hits(site: SampleSite) -> Counter[tuple[str, str]]:
    return Counter((r["site"], r["path"]) for r in site.requests if r["path"] != "/robots.txt")


def test_two_workers_through_redis_build_the_same_kb_as_one_process(
    tmp_path: Path, db_url: str, pg_url: str, redis_url: str
) -> None:
    upgrade = subprocess.run(
        [sys.executable, "-m", "kb", "db", "upgrade", "--db", pg_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upgrade.returncode == 0, upgrade.stderr  # once, before the workers (see README: Running at scale)
    with SampleSite(latency=0.02) as site:
        code, out = finish(kb_crawl(site, db_url))
        assert code == 0, out
        single = page_hits(site)
        site.reset_log()

        site.latency = 1.0
        workers = [kb_crawl(site, pg_url, "--redis", redis_url) for _ in range(2)]
        gate(site, redis_url, 2, fast=0.02)  # both workers up before the crawl runs at full speed
        results = [finish(w) for w in workers]
        logs = "\n----\n".join(out[-4000:] for _, out in results)
        assert [code for code, _ in results] == [0, 0], logs
        shared = page_hits(site)
        robots = sum(1 for r in site.requests if r["path"] == "/robots.txt")

    assert len(single) > 50 and max(single.values()) == 1
    assert set(shared) == set(single), (set(shared) ^ set(single), logs)
    assert {page: n for page, n in shared.items() if n != 1} == {}, logs  # every page fetched exactly once
    assert robots <= 4  # once per worker and site
    one, two = entries(db_url, tmp_path / "single.json"), entries(pg_url, tmp_path / "shared.json")
    assert sum(one.values()) > 20
    assert one == two, (one - two, two - one)
    # both workers did part of it: one run each, and each fetched some pages
    from sqlmodel import select

    from kb.models import Run

    with session(pg_url) as s:
        runs = s.exec(select(Run).where(Run.kind == "crawl")).all()
    assert len(runs) == 2 and all(r.fetched > 0 for r in runs), [(r.id, r.fetched, r.status) for r in runs]
    assert sum(r.fetched for r in runs) == sum(shared.values())
    # the last worker out removed the crawl's keys
    import redis

    assert list(redis.Redis.from_url(redis_url).scan_iter(f"{os.environ['KB_REDIS_PREFIX']}*")) == []
