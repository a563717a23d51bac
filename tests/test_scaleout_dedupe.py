"""Two workers (real Redis, real PostgreSQL) ingest near-duplicate copies of each other's pages at once.

Each worker is a process that takes its pages from its own Redis list, as a crawl's workers take
requests, ingests them into the shared KB and commits. Every round the test hands both workers their
page in one Redis transaction, so both start the same instant: a page on the portal and a near-copy
of it on the city site (one sentence changed). Neither has committed when the other searches for a
copy; the band locks (``kb.locks.lock_dedupe``) make the second wait and find the first. Every round
must end as one entry with both pages as its sources.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os

import pytest
from sqlmodel import func, select

from kb.db import get_engine, resolve_url
from kb.db import session as kb_session
from kb.models import Entry, Page
from sample_site.seeds import load_seeds
from tests.test_kb_helpers import CITY, PORTAL, snap

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROUNDS = 8


def answers() -> list[tuple[str, str]]:
    """One related-card answer of each topic per round: unlike each other, so rounds never meet."""
    cards = [c for s in load_seeds() for c in s["cards"]]
    return [(c["title"], c["snippet"]) for c in cards[::12][:ROUNDS]]


def near_copy(answer: str) -> str:
    """The other site's copy: its last sentence rewritten (still a copy: Jaccard well above 0.5)."""
    return answer[:-12] + "具体以当地医保部门规定为准。"


def worker(db: str, redis_url: str, inbox: str, outbox: str) -> None:
    """Ingest each page that arrives in ``inbox``, one transaction each; report outcomes to ``outbox``."""
    import redis

    from kb.ingest import ingest

    get_engine(db).dispose(close=False)  # forked: never touch the parent's pooled connections
    client = redis.Redis.from_url(redis_url)
    while True:
        with kb_session(db) as s:
            s.connection()  # the transaction is open before the page arrives
            _, raw = client.blpop([inbox], timeout=60)
            job = json.loads(raw)
            if job is None:
                return
            result = ingest(s, snap(job["url"], job["question"], job["answer"]), None)
        client.rpush(outbox, json.dumps([job["url"], result.outcome, result.entry_id]))


def test_near_copies_ingested_at_the_same_moment_make_one_entry_every_time(
    pg_url: str, redis_url: str
) -> None:
    import redis

    db = resolve_url(pg_url)
    get_engine(db)  # migrate once, before the workers open it
    prefix = os.environ["KB_REDIS_PREFIX"]
    inboxes, outbox = [f"{prefix}:dedupe:w{n}" for n in (1, 2)], f"{prefix}:dedupe:out"
    ctx = mp.get_context("fork")  # the parent has imported everything: workers start at once
    procs = [ctx.Process(target=worker, args=(db, redis_url, inbox, outbox)) for inbox in inboxes]
    for p in procs:
        p.start()
    client = redis.Redis.from_url(redis_url)
    try:
        for n, (question, answer) in enumerate(answers()):
            jobs = [
                {"url": f"{PORTAL}/ask/r{n}.html", "question": question, "answer": answer},
                {"url": f"{CITY}/zcwd/r{n}.html", "question": question, "answer": near_copy(answer)},
            ]
            with client.pipeline(transaction=True) as both:  # one MULTI/EXEC: both wake together
                for inbox, job in zip(inboxes, jobs, strict=True):
                    both.rpush(inbox, json.dumps(job, ensure_ascii=False))
                both.execute()
            results = [json.loads(client.blpop([outbox], timeout=60)[1]) for _ in jobs]
            assert sorted(r[1] for r in results) == ["duplicate", "new"], (n, results)
            assert len({r[2] for r in results}) == 1, (n, results)
            with kb_session(db) as s:
                sources = s.exec(select(Page.url).where(Page.entry_id == results[0][2])).all()
                assert sorted(sources) == sorted(j["url"] for j in jobs), (n, sources)
                assert s.exec(select(func.count()).select_from(Entry)).one() == n + 1
    finally:
        for inbox in inboxes:
            client.rpush(inbox, "null")
        for p in procs:
            p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0, 0]
