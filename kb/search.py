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

from sqlalchemy import Integer, and_, column, or_, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.models import Entry, Version

MAX_TERMS = 8
MAX_QUERY = 200


@dataclass
class Hit:
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


def search(session: Session, query: str, *, limit: int = 50, after: str | None = None) -> list[Hit]:
    """Entries whose current question or answer holds every term, by id (``after``: keyset paging)."""
    found = terms(query)
    if not found:
        return []
    current = and_(Version.entry_id == Entry.id, Version.number == Entry.version)
    stmt = select(Entry.id, Entry.question, Entry.site, Entry.status, Entry.version, Version.answer).join(
        Version, current
    )
    engine = session.get_bind()
    long_terms = [t for t in found if len(t) >= 3]
    if _has_fts(engine) and long_terms:  # type: ignore[arg-type]
        match = " AND ".join(_phrase(t) for t in long_terms)
        ids = (
            text("SELECT rowid FROM version_fts WHERE version_fts MATCH :match")
            .bindparams(match=match)
            .columns(column("rowid", Integer))
        )
        stmt = stmt.where(Version.id.in_(ids))  # type: ignore[union-attr]
    for term in found:  # the index narrows; this decides (and is all there is without one)
        pattern = _like(term)
        if engine.dialect.name == "sqlite":  # SQLite's LIKE ignores ASCII case
            cond = or_(Version.question.like(pattern, escape="\\"), Version.answer.like(pattern, escape="\\"))  # type: ignore[attr-defined]
        else:
            cond = or_(
                Version.question.ilike(pattern, escape="\\"), Version.answer.ilike(pattern, escape="\\")
            )  # type: ignore[attr-defined]
        stmt = stmt.where(cond)
    if after:
        stmt = stmt.where(Entry.id > after)
    rows = session.execute(stmt.order_by(Entry.id).limit(limit)).all()
    return [Hit(r.id, r.question, r.site, r.status, r.version, _snippet(r.answer, found)) for r in rows]
