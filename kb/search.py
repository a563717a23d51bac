"""Full-text search over the current questions and answers, for Chinese (no spaces between words).

Words cannot be split, so search is by substring: every whitespace-separated term of the query
must appear in the entry's current question or answer (ASCII letters in any case). Indexed per dialect by
the ``i14a_editors_app`` migration: SQLite's FTS5 trigram table ``version_fts`` (a trigger feeds it
every new version, so ingest keeps it current), PostgreSQL's pg_trgm GIN indexes on ``version``.
A term under three characters has no trigram: it is matched by a scan, with the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, and_, column, literal_column, or_, select, table
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.models import Entry, Version

MAX_TERMS = 8
MAX_QUERY = 200


@dataclass
class Hit:
    key: int  # the current version's id: the order and the paging key
    id: str
    question: str
    site: str
    status: str
    version: int
    snippet: str


def terms(query: str) -> list[str]:
    """The query's terms, deduplicated, at most ``MAX_TERMS`` of them."""
    seen: list[str] = []
    for term in query[:MAX_QUERY].split():
        if term.casefold() not in (t.casefold() for t in seen):
            seen.append(term)
    return seen[:MAX_TERMS]


@cache
def _has_fts(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'version_fts'").first()
    return found is not None


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _snippet(answer: str, found: list[str], width: int = 60) -> str:
    low = answer.casefold()
    at = min((i for i in (low.find(t.casefold()) for t in found) if i >= 0), default=0)
    start = max(0, at - width // 3)
    piece = answer[start : start + width].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + width < len(answer) else "")


def search(session: Session, query: str, *, limit: int = 50, before: int | None = None) -> list[Hit]:
    """Entries whose current question or answer holds every term, most recently changed first.

    Pages on the current version's id (``before``: the last hit's ``key``). On SQLite the trigram
    index drives the query newest first and stops at ``limit``, so a term in every answer costs no
    more than a rare one.
    """
    found = terms(query)
    if not found:
        return []
    engine = session.get_bind()
    current = and_(Entry.id == Version.entry_id, Entry.version == Version.number)
    cols = (
        Entry.id,
        Entry.question,
        Entry.site,
        Entry.status,
        Entry.version,
        Version.answer,
        Version.id.label("key"),
    )  # type: ignore[union-attr]
    long_terms = [t for t in found if len(t) >= 3]
    if _has_fts(engine) and long_terms:  # type: ignore[arg-type]
        fts = table("version_fts", column("rowid", Integer))
        match = " AND ".join(_phrase(t) for t in long_terms)
        stmt = (
            select(*cols)
            .select_from(fts)
            .join(Version, Version.id == fts.c.rowid)
            .join(Entry, current)
            .where(literal_column("version_fts").op("MATCH")(match))
        )
        key = fts.c.rowid
    else:
        stmt = select(*cols).join(Entry, current)
        key = Version.id
    for term in found:  # the index narrows; this decides (and is all there is without one)
        pattern = _like(term)
        if engine.dialect.name == "sqlite":  # SQLite's LIKE ignores ASCII case
            cond = or_(Version.question.like(pattern, escape="\\"), Version.answer.like(pattern, escape="\\"))  # type: ignore[attr-defined]
        else:
            cond = or_(
                Version.question.ilike(pattern, escape="\\"), Version.answer.ilike(pattern, escape="\\")
            )  # type: ignore[attr-defined]
        stmt = stmt.where(cond)
    if before is not None:
        stmt = stmt.where(key < before)
    rows = session.execute(stmt.order_by(key.desc()).limit(limit)).all()
    return [
        Hit(r.key, r.id, r.question, r.site, r.status, r.version, _snippet(r.answer, found)) for r in rows
    ]
