"""How concurrent ingests (several workers, one KB) never write one page or one answer twice.

Two workers ingesting the same URL serialize on its page row (``SELECT … FOR UPDATE``); on
PostgreSQL "find a copy, else create an entry" runs under a transaction advisory lock, so one answer
never becomes two entries; a row two workers may both create is inserted with ``ON CONFLICT DO
NOTHING``. Lock order everywhere: page, then the dedupe lock (when a copy search may follow), then
entry. SQLite has one writer at a time: the row locks and the advisory lock are no-ops there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from kb.models import Entry, Page

DEDUPE_LOCK = 0x6B62_6465_6475  # pg_advisory_xact_lock key: "kbdedu"


def insert_or_skip(session: Session, model: type, values: dict[str, Any], key: str | list[str]) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: a concurrent insert of the same row is not an error."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    keys = [key] if isinstance(key, str) else key
    session.execute(module.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))


def locked_page(session: Session, url: str) -> Page | None:
    """The page row for ``url``, locked for this transaction and read fresh."""
    return session.exec(
        select(Page).where(Page.url == url).with_for_update().execution_options(populate_existing=True)
    ).first()


def locked_entry(session: Session, entry_id: str) -> Entry | None:
    """The entry row, locked for this transaction and read fresh."""
    return session.exec(
        select(Entry).where(Entry.id == entry_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def lock_dedupe(session: Session) -> None:
    """On PostgreSQL, serialize "find a copy, else create an entry" across workers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DEDUPE_LOCK})
