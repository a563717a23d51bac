"""Search finds entries by a fragment of Chinese text (no word spaces) on SQLite (FTS5 trigram) and
PostgreSQL (pg_trgm), with the same answers on both, and follows ingest as it writes new versions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kb import search
from kb.db import session
from kb.ingest import ingest
from tests.test_kb_helpers import PORTAL, later, seed, snap

QUERIES = ("账户", "一级账户", "3000元", "医保 报销", "异地就医", "%", "a_b", "ZZZ不存在的")


def fill(db: str) -> dict[str, str]:
    ids = {}
    with session(db) as s:
        for i in range(5):
            q, a, d = seed(i)
            ids[f"s{i}"] = ingest(s, snap(f"{PORTAL}/ask/s00{i}.html", q, a, disclaimer=d), None).entry_id
    return ids


def results(db: str) -> dict[str, list[str]]:
    with session(db) as s:
        return {q: [h.id for h in search.search(s, q)] for q in QUERIES}


def check(db: str) -> dict[str, list[str]]:
    ids = fill(db)
    q0, a0, d0 = seed(0)
    fragment = a0[a0.index("3000元") - 3 : a0.index("3000元")]  # three characters before the amount
    assert len(fragment) == 3 and " " not in fragment
    with session(db) as s:
        hits = search.search(s, fragment)
        assert ids["s0"] in [h.id for h in hits]
        assert fragment in next(h for h in hits if h.id == ids["s0"]).snippet
        assert search.search(s, "一级账户 4000元") == []
    found = results(db)
    with session(db) as s:  # a new version: the old text leaves the results, the new one enters
        ingest(
            s,
            snap(f"{PORTAL}/ask/s000.html", q0, a0.replace("3000元", "4000元"), disclaimer=d0, at=later(1)),
            None,
        )
    with session(db) as s:
        assert [h.id for h in search.search(s, "一级账户 4000元")] == [ids["s0"]]
        assert ids["s0"] not in [h.id for h in search.search(s, "额在3000元")]
    return found


def test_search_on_sqlite_uses_fts5_trigram(db_url: str) -> None:
    found = check(db_url)
    assert found["一级账户"] and found["ZZZ不存在的"] == []
    assert 0 < len(found["%"]) < 5  # a literal percent sign, not a wildcard
    with session(db_url) as s:  # the trigram index itself holds every version, the new one too
        indexed = s.execute(
            text("SELECT rowid FROM version_fts WHERE version_fts MATCH '\"额在4000元\"'")
        ).all()
        versions = s.execute(text("SELECT id FROM version WHERE answer LIKE '%额在4000元%'")).all()
    assert indexed == versions and len(indexed) == 1


@pytest.mark.postgres
def test_search_on_postgres_gives_the_same_answers(pg_url: str, db_url: str) -> None:
    on_pg = check(pg_url)
    with session(pg_url) as s:
        indexes = (
            s.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'version'")).scalars().all()
        )
    assert {"ix_version_question_trgm", "ix_version_answer_trgm"} <= set(indexes)
    on_sqlite = check(db_url)
    ids_pg, ids_sqlite = fill_order(pg_url), fill_order(db_url)
    assert {q: [ids_pg[i] for i in v] for q, v in on_pg.items()} == {
        q: [ids_sqlite[i] for i in v] for q, v in on_sqlite.items()
    }


def fill_order(db: str) -> dict[str, str]:
    """Entry id → seed key, so results compare across two KBs (ids are content hashes, but be sure)."""
    from sqlmodel import select

    from kb.models import Entry

    with session(db) as s:
        return {e.id: e.canonical_url.rsplit("/", 1)[-1] for e in s.exec(select(Entry)).all()}
