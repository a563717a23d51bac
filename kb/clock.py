"""One clock for the whole KB, so tests (and ``KB_NOW``) can drive time without sleeping.

Also the KB's time forms: every stored time is naive UTC; ``db_time`` is what a filter on a time
column binds, ``stamp`` is how the export and the report write a time they read from the KB.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from kb.models import Entry, Run, Verification


def now() -> datetime:
    """Naive UTC 'now' (SQLite keeps no time zone, so every stored time is naive UTC).

    ``KB_NOW`` (ISO 8601) pins it: a subprocess test or a replay can say what time it is.
    """
    pinned = os.environ.get("KB_NOW")
    if pinned:
        return parse_time(pinned)
    return datetime.now(UTC).replace(tzinfo=None)


def parse_time(text: str) -> datetime:
    """ISO 8601 (date or date-time, with or without zone) to naive UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def iso(value: datetime | None) -> str | None:
    """Naive UTC to ISO 8601 with a Z, seconds precision: the export's time format."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"


def _aware_columns() -> bool:
    """Whether the KB's time columns take time-zone-aware values (sqlmodel's UTCDateTime) or naive UTC."""
    return bool(getattr(Entry.__table__.c.updated_at.type, "timezone", False))  # type: ignore[attr-defined]


def db_time(value: datetime | None) -> datetime | None:
    """A UTC time in the form the time columns bind (aware or naive), for filters on them."""
    if value is None:
        return None
    value = naive(value)
    return value.replace(tzinfo=UTC) if _aware_columns() else value  # type: ignore[union-attr]


def naive(value: datetime | None) -> datetime | None:
    """Naive UTC, whatever the driver returned (aware columns come back with a zone)."""
    if value is not None and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def stamp(value: datetime | None) -> str | None:
    """The export's time format (:func:`iso`) for a time read from the KB."""
    return iso(naive(value))


def generated_at(session: Session) -> str:
    """The time the KB was last changed: ``KB_NOW`` if pinned, else its last run or verification.

    Why not the wall clock: an export (or a report) is a function of the KB, so the same KB must give
    the same bytes.
    """
    pinned = os.environ.get("KB_NOW")
    if pinned:
        return iso(parse_time(pinned)) or ""
    candidates = [
        session.execute(select(func.max(Run.finished_at))).scalar(),
        session.execute(select(func.max(Run.started_at))).scalar(),
        session.execute(select(func.max(Verification.at))).scalar(),
        session.execute(select(func.max(Entry.updated_at))).scalar(),
    ]
    times = [t for t in candidates if t is not None]
    return stamp(max(times)) if times else "1970-01-01T00:00:00Z"  # type: ignore[return-value]
