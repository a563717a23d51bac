"""How concurrent ingests (several workers, one KB) never write one page or one answer twice.

Two workers ingesting the same URL serialize on its page row (``SELECT … FOR UPDATE``); on
PostgreSQL "find a copy, else create an entry" runs under transaction advisory locks, one per LSH
band key of the answer (``kb.dedupe.band_keys``): two near-duplicates are candidates of each other
only when they share a band, so they share a lock and the second searches after the first has
committed its bands, while unrelated answers go on in parallel; so one answer never becomes two
entries. A row two workers may both create is inserted with ``ON CONFLICT DO NOTHING``. Lock order everywhere: page, then the dedupe lock (when a copy search may follow), then
entry. SQLite has one writer at a time: the row locks and the advisory lock are no-ops there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from kb.models import Entry, Page


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


def lock_dedupe(session: Session, bands: Iterable[tuple[int, int]]) -> None:
    """On PostgreSQL, serialize "find a copy, else create an entry" with every answer sharing a band.

    The keys are taken in ascending order, so two workers never wait on each other in a cycle.
    """
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted({h for _, h in bands}):
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
