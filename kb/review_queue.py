"""The review queue: what needs an editor's look now, grouped as the diff report groups it.

A report tells what happened between two runs; the queue tells what is still open: a change or a new
entry whose current version nobody verified, an entry gone, a conflict nobody settled, an extraction an
editor reported wrong (until a new version replaces it), a version a template-change alarm held back
(``kb.suspect``) or a current one the extractor was unsure of, and every open flag by name. Each group is one
indexed query, newest first, keyset-paginated on its row id (``before``), so a page costs the same at
100 000 entries as at 100 (see BENCHMARKS.md, "Editors' app").
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import exists, func, or_, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session

from extract import LOW_CONFIDENCE
from kb.clock import stamp
from kb.diff import number_changes, summary_line
from kb.export import entry_filter, flag_names
from kb.models import Action, Entry, Event, Flag, Verification, Version

PAGE = 50
COUNT_CAP = 1000  # counts above this show as "1000+": counting 100 000 open flags costs more than it tells

# The report's groups (kb.report's list names), in its order, then the flags by name.
GROUPS: dict[str, str] = {
    "changed": "Changed",
    "added": "New",
    "gone": "Gone",
    "conflicts": "Conflicts",
    "extraction": "Extraction reported wrong",
    "suspect": "Suspect or low-confidence extraction",
}


def group_names() -> list[str]:
    return list(GROUPS) + [f"flag:{name}" for name in flag_names()]


def label(group: str) -> str:
    return GROUPS.get(group) or group.removeprefix("flag:")


@dataclass
class Item:
    key: int  # the row id the group pages on
    entry_id: str
    question: str
    site: str
    status: str
    version: int
    at: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    numbers: str = ""


@dataclass(frozen=True)
class Filters:
    site: str | None = None
    flag: str | None = None
    run: int | None = None

    def where(self) -> list[Any]:
        return entry_filter(
            flags=[self.flag] if self.flag else None,
            site=self.site,
            since=None,
            include_gone=True,
            include_off_topic=False,
            include_held=True,  # what a template-change alarm held back is for the editor to see
        )


def _unverified() -> Any:
    return ~exists().where(Verification.entry_id == Entry.id, Verification.version == Entry.version)


@lru_cache(maxsize=512)
def _query(group: str, filters: Filters) -> Any:
    """(key, entry columns, at, detail) rows of one group, newest first, before paging.

    Cached: building the expression costs more than running it (statements are immutable).
    """
    cols = (Entry.id, Entry.question, Entry.site, Entry.status, Entry.version)
    where = filters.where()
    if group in ("changed", "added", "gone", "conflicts"):
        kind = {"added": "added", "changed": "changed", "gone": "gone", "conflicts": "conflict"}[group]
        key = Event.id
        stmt = select(
            key.label("key"),
            *cols,
            Event.at.label("at"),
            Event.detail.label("detail"),
            Event.version_from.label("version_from"),
        )
        stmt = stmt.join(Entry, Entry.id == Event.entry_id).where(Event.kind == kind)
        if filters.run is not None:
            where.append(Event.run_id == filters.run)
        if group in ("changed", "added"):
            where += [Event.version_to == Entry.version, _unverified()]
        elif group == "gone":
            later = aliased(Event)
            where += [
                Entry.status == "gone",
                ~exists().where(
                    later.entry_id == Event.entry_id,
                    later.kind.in_(("gone", "returned")),
                    later.id > Event.id,
                ),
            ]
        else:
            where.append(
                ~exists().where(
                    Action.entry_id == Event.entry_id,
                    Action.kind == "resolve_conflict",
                    Action.at >= Event.at,
                )
            )
    elif group == "extraction":
        key = Action.id
        later = aliased(Action)
        stmt = select(
            key.label("key"),
            *cols,
            Action.at.label("at"),
            Action.note.label("detail"),
            Action.by.label("version_from"),
        )
        stmt = stmt.join(Entry, Entry.id == Action.entry_id).where(Action.kind == "extraction_wrong")
        where += [
            Action.version == Entry.version,
            ~exists().where(
                later.entry_id == Action.entry_id,
                later.kind == "extraction_wrong",
                later.version == Action.version,
                later.id > Action.id,
            ),
        ]
        if filters.run is not None:
            where.append(
                exists().where(
                    Version.entry_id == Entry.id,
                    Version.number == Entry.version,
                    Version.run_id == filters.run,
                )
            )
    elif group == "suspect":
        key = Version.id
        stmt = select(
            key.label("key"),
            *cols,
            Version.created_at.label("at"),
            Version.held.label("detail"),
            Version.number.label("version_from"),
            Version.method.label("method"),
            Version.confidence.label("confidence"),
            Version.run_id.label("run_id"),
        )
        # The candidates come from two indexes (held, confidence): ordered by id alone, the planner
        # would walk every version newest first looking for them.
        candidates = union(
            select(Version.id).where(Version.held == "suspect"),
            select(Version.id).where(Version.confidence < LOW_CONFIDENCE),  # type: ignore[operator]
        )
        stmt = stmt.join(Entry, Entry.id == Version.entry_id).where(
            Version.id.in_(candidates),  # type: ignore[union-attr]
            or_(Version.held == "suspect", Version.number == Entry.version),
        )
        if filters.run is not None:
            where.append(Version.run_id == filters.run)
    elif group.startswith("flag:"):
        key = Flag.id
        stmt = select(
            key.label("key"),
            *cols,
            Flag.raised_at.label("at"),
            Flag.reason.label("detail"),
            Flag.name.label("version_from"),
        )
        stmt = stmt.join(Entry, Entry.id == Flag.entry_id).where(
            Flag.name == group.removeprefix("flag:"),
            Flag.cleared_at.is_(None),  # type: ignore[union-attr]
        )
        if filters.run is not None:
            where.append(Flag.raised_run_id == filters.run)
    else:
        raise ValueError(f"unknown group {group!r} (one of: {', '.join(group_names())})")
    return stmt.where(*where), key


@lru_cache(maxsize=512)
def _count(group: str, filters: Filters) -> Any:
    capped = _query(group, filters)[0].with_only_columns(Entry.id).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(capped)


def count(session: Session, group: str, filters: Filters) -> int:
    """How many items the group holds, up to ``COUNT_CAP`` + 1."""
    return int(session.execute(_count(group, filters)).scalar() or 0)


def page(
    session: Session, group: str, filters: Filters, *, before: int | None = None, limit: int = PAGE
) -> tuple[list[Item], int | None]:
    """One page of a group, newest first, and the ``before`` of the next page (None: last page)."""
    stmt, key = _query(group, filters)
    if before is not None:
        stmt = stmt.where(key < before)
    rows = session.execute(stmt.order_by(key.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_item(group, r) for r in rows]
    _decorate(session, items, [r.version_from for r in rows] if group == "changed" else None)
    return items, (items[-1].key if more and items else None)


def _item(group: str, row: Any) -> Item:
    detail: dict[str, Any] = {}
    if group in ("changed", "added", "gone", "conflicts"):
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        if detail.get("reason") == "content":  # the ordinary reason for a change: said by the group
            del detail["reason"]
    elif group == "extraction":
        detail = {"note": row.detail, "by": row.version_from}
    elif group == "suspect":
        how = f"{row.method or 'unknown'} {row.confidence:.2f}" if row.confidence is not None else "unknown"
        if row.detail == "suspect":
            detail = {
                "reason": f"v{row.version_from} held back by run #{row.run_id}'s template-change alarm ({how})"
            }
        else:
            detail = {"reason": f"low confidence: {how}"}
    else:
        detail = {"reason": row.detail}
    return Item(row.key, row.id, row.question, row.site, row.status, row.version, stamp(row.at), detail)


def _decorate(session: Session, items: list[Item], version_from: Sequence[int | None] | None) -> None:
    """Open flags of each item's entry and, for changes, the numbers that moved (kb.report's reader)."""
    ids = sorted({i.entry_id for i in items})
    if not ids:
        return
    names: dict[str, list[str]] = defaultdict(list)
    for entry_id, name in session.execute(
        select(Flag.entry_id, Flag.name)
        .where(Flag.entry_id.in_(ids), Flag.cleared_at.is_(None))  # type: ignore[attr-defined, union-attr]
        .order_by(Flag.name)
    ):
        if name not in names[entry_id]:
            names[entry_id].append(name)
    for item in items:
        item.flags = names.get(item.entry_id, [])
    if version_from is None:
        return
    wanted = [(i.entry_id, n) for i, n in zip(items, version_from, strict=True) if n is not None]
    wanted += [(i.entry_id, i.version) for i in items]
    answers: dict[tuple[str, int], str] = {}
    for entry_id, number, answer in session.execute(
        select(Version.entry_id, Version.number, Version.answer).where(
            Version.entry_id.in_(ids),  # type: ignore[attr-defined]
            Version.number.in_(sorted({n for _e, n in wanted})),  # type: ignore[attr-defined]
        )
    ):
        answers[(entry_id, number)] = answer
    for item, old in zip(items, version_from, strict=True):
        before = answers.get((item.entry_id, old)) if old is not None else None
        after = answers.get((item.entry_id, item.version))
        if before is not None and after is not None:
            item.numbers = summary_line(number_changes(before, after))
        item.detail["version_from"] = old
