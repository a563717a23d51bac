"""One clock for the whole KB, so tests (and ``KB_NOW``) can drive time without sleeping."""

from __future__ import annotations

import os
from datetime import UTC, datetime


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
