"""The KB on a real PostgreSQL: same code, and concurrent ingests that must not split an answer."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlmodel import func, select

from kb.db import get_engine, resolve_url
from kb.db import session as kb_session
from kb.ingest import ingest
from kb.models import Entry, Page, Version
from tests.test_kb_helpers import CITY, PORTAL, later, race_worker, seed, snap

pytestmark = pytest.mark.postgres


def _race(db: str, jobs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    ctx = mp.get_context("fork")  # the parent has imported everything: racers start at once
    barrier, out = ctx.Barrier(len(jobs)), ctx.Queue()
    procs = [ctx.Process(target=race_worker, args=(db, url, q, a, barrier, out)) for url, q, a in jobs]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return results


@pytest.mark.slow
def test_concurrent_ingests_of_one_url_make_one_version(pg_url: str) -> None:
    db = resolve_url(pg_url)
    get_engine(db)  # migrate once, before the racers open it
    q, a, _ = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    results = _race(db, [(url, q, a)] * 3)
    assert sorted(r[1] for r in results) == ["new", "unchanged", "unchanged"]
    assert len({r[2] for r in results}) == 1
    # copies on two sites arriving at once: one entry, the other page its source
    q0, a0, _ = seed(2)
    results = _race(db, [(f"{PORTAL}/ask/s002.html", q0, a0), (f"{CITY}/zcwd/s002.html", q0, a0)])
    assert sorted(r[1] for r in results) == ["duplicate", "new"]
    with kb_session(db) as s:
        assert s.exec(select(func.count()).select_from(Entry)).one() == 2
        assert s.exec(select(func.count()).select_from(Version)).one() == 2
        entry = s.get(Entry, results[0][2])
        assert entry.canonical_url == f"{CITY}/zcwd/s002.html"


def test_ingest_flow_on_postgres(pg_url: str) -> None:
    q, a, disc = seed(0)
    url = f"{PORTAL}/ask/s000.html"
    with kb_session(pg_url) as s:
        assert ingest(s, snap(url, q, a, disclaimer=disc), None).outcome == "new"
        assert ingest(s, snap(url, q, a, disclaimer=disc, at=later(1)), None).outcome == "unchanged"
        changed = ingest(s, snap(url, q, a.replace("3000元", "4000元"), disclaimer=disc, at=later(2)), None)
        assert (changed.outcome, changed.version) == ("changed", 2)
        copy = ingest(
            s, snap(f"{CITY}/zcwd/s000.html", q, a.replace("3000元", "4000元"), disclaimer=disc), None
        )
        assert copy.outcome == "duplicate"
        assert ingest(s, snap(url, status=404, at=later(3)), None).outcome == "gone"
        assert s.exec(select(func.count()).select_from(Page)).one() == 2


def test_workers_opening_an_empty_postgres_kb_together_migrate_once(pg_url: str) -> None:
    """Two processes that open the same empty database at once: one migrates, the other waits."""
    import subprocess
    import sys

    code = "import sys; from kb.db import get_engine; get_engine(sys.argv[1]); print('ok')"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-300:] for _, err in outs]
