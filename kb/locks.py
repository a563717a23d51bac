"""How concurrent ingests (several workers, one KB) never write one page or one answer twice.

Two workers ingesting the same URL serialize on its page row (``SELECT … FOR UPDATE``); on
PostgreSQL "find a copy, else create an entry" runs under transaction advisory locks, one per LSH
band key of the answer (``kb.dedupe.band_keys``): two near-duplicates are candidates of each other
only when they share a band, so they share a lock and the second searches after the first has
committed its bands, while unrelated answers go on in parallel; so one answer never becomes two
entries. A row two workers may both create is inserted with ``ON CONFLICT DO NOTHING``. Lock order everywhere: page, then the dedupe lock (when a copy search may follow), then
entry. SQLite has one writer at a time: the row locks and the advisory lock are no-ops there, and
one crawl at a time writes to a SQLite KB (:func:`crawl_lock`).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from kb.db import DatabaseError, sqlite_path
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


class KBBusy(Exception):
    """Another crawl holds the KB's write lock (``kb crawl`` exits 4)."""


@contextmanager
def crawl_lock(url: str) -> Iterator[None]:
    """Hold a SQLite KB's crawl lock while a crawl writes to it: ``KB.lock`` next to the file, flocked.

    SQLite has one writer at a time: two crawls at once would spend the night waiting on each other (and
    before ``BEGIN IMMEDIATE``, lost pages). The second one is refused up front, naming the first (pid,
    since when). The kernel drops a flock when its process dies, so a killed crawl never leaves the KB
    locked. PostgreSQL needs none: its workers share a KB by design (row and advisory locks above).
    """
    path = sqlite_path(url)
    if path is None:
        yield
        return
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise DatabaseError(f"cannot take the KB's write lock {lock}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "pid unknown"
            raise KBBusy(f"another crawl is writing to this KB ({holder}); {lock} is its lock") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock; the file stays (removing it would race the next taker)
