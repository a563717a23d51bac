"""What editors do with the KB, as plain functions over a session (the CLI only prints them).

``verify`` marks the current version checked against the official source: it clears
``needs_verification`` and restarts the ``stale`` clock until the content changes, after which the
entry carries ``changed_since_verified``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from kb import clock, flags
from kb.diff import compare
from kb.models import Body, Entry, Event, Flag, Page, Run, Verification, Version


class EntryNotFound(LookupError):
    """No entry has this id."""


def get_entry(session: Session, entry_id: str) -> Entry:
    entry = session.get(Entry, entry_id.strip())
    if entry is None:
        raise EntryNotFound(f"no entry {entry_id!r}")
    return entry


def verify(
    session: Session, entry_id: str, by: str, note: str | None = None, *, now: datetime | None = None
) -> tuple[Verification, list[str]]:
    """Mark the entry's current version verified by ``by``; return it and the flags it cleared."""
    if not by.strip():
        raise ValueError("--by needs a name")
    now = now or clock.now()
    entry = get_entry(session, entry_id)
    mark = Verification(entry_id=entry.id, version=entry.version, by=by.strip(), note=note, at=now)
    session.add(mark)
    session.flush()
    _raised, cleared = flags.evaluate(session, entry, now=now)
    return mark, cleared


def _iso(value: datetime | None) -> str | None:
    return clock.iso(value)


def show(session: Session, entry_id: str) -> dict[str, Any]:
    """One entry as an editor reads it: current answer, flags and reasons, sources, verifications."""
    entry = get_entry(session, entry_id)
    version = session.exec(
        select(Version).where(Version.entry_id == entry.id, Version.number == entry.version)
    ).one()
    pages = session.exec(select(Page).where(Page.entry_id == entry.id).order_by(Page.first_seen)).all()
    marks = session.exec(
        select(Verification).where(Verification.entry_id == entry.id).order_by(Verification.at)
    ).all()
    return {
        "id": entry.id,
        "question": version.question,
        "answer": version.answer,
        "status": entry.status,
        "site": entry.site,
        "url": entry.canonical_url,
        "version": entry.version,
        "content_hash": entry.content_hash,
        "has_verification_disclaimer": version.has_verification_disclaimer,
        "published": entry.published,
        "updated": entry.updated,
        "first_seen": _iso(entry.first_seen),
        "updated_at": _iso(entry.updated_at),
        "last_seen": _iso(entry.last_seen),
        "extractor_version": version.extractor_version,
        "flags": [
            {"name": f.name, "reason": f.reason, "raised_at": _iso(f.raised_at)}
            for f in flags.open_flags(session, entry.id)
        ],
        "sources": [
            {
                "url": p.url,
                "site": p.site,
                "status": p.status,
                "priority": p.priority,
                "canonical": p.url == entry.canonical_url,
                "first_seen": _iso(p.first_seen),
                "last_seen": _iso(p.last_seen),
            }
            for p in pages
        ],
        "verifications": [
            {"version": m.version, "by": m.by, "note": m.note, "at": _iso(m.at)} for m in marks
        ],
    }


def history(session: Session, entry_id: str) -> list[dict[str, Any]]:
    """Every version, oldest first, each with its diff against the one before.

    The diff is the report's (``kb.diff``): ``diff`` the answer's ops, ``question_diff`` the
    question's (None when it stayed), ``numbers`` the amounts that moved, ``disclaimer`` "added" or
    "removed" when the official-verification disclaimer came or went.
    """
    entry = get_entry(session, entry_id)
    versions = session.exec(
        select(Version).where(Version.entry_id == entry.id).order_by(Version.number)
    ).all()
    out: list[dict[str, Any]] = []
    previous: Version | None = None
    for v in versions:
        item = {
            "version": v.number,
            "created_at": _iso(v.created_at),
            "run_id": v.run_id,
            "source_url": v.source_url,
            "content_hash": v.content_hash,
            "body_hash": v.body_hash,
            "extractor_version": v.extractor_version,
            "method": v.method,
            "confidence": v.confidence,
            "held": v.held,  # suspect | rejected (kb.suspect): not the entry's current version
            "has_verification_disclaimer": v.has_verification_disclaimer,
            "question": v.question,
            "answer": v.answer,
            "question_diff": None,
            "diff": [],
            "numbers": [],
            "disclaimer": None,
        }
        if previous is not None:
            answer = compare(previous.answer, v.answer)
            item["diff"], item["numbers"] = answer.ops, answer.numbers
            if previous.question != v.question:
                item["question_diff"] = compare(previous.question, v.question).ops
            if previous.has_verification_disclaimer != v.has_verification_disclaimer:
                item["disclaimer"] = "added" if v.has_verification_disclaimer else "removed"
        out.append(item)
        previous = v
    return out


def flag_rows(
    session: Session, flag: str | None = None, site: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Open flags (optionally one name / one site), oldest first; the first ``limit`` only when given."""
    query = select(Flag, Entry).join(Entry, Entry.id == Flag.entry_id).where(Flag.cleared_at.is_(None))
    if flag:
        query = query.where(Flag.name == flag)
    if site:
        query = query.where(Entry.site == site)
    rows = session.exec(query.order_by(Flag.raised_at, Flag.entry_id, Flag.name).limit(limit)).all()
    return [
        {
            "entry_id": e.id,
            "site": e.site,
            "flag": f.name,
            "reason": f.reason,
            "raised_at": _iso(f.raised_at),
            "question": e.question,
        }
        for f, e in rows
    ]


def open_flag_count(session: Session, flag: str | None = None, site: str | None = None) -> int:
    """How many rows :func:`flag_rows` would give without a limit."""
    query = select(func.count()).select_from(Flag).join(Entry, Entry.id == Flag.entry_id)
    query = query.where(Flag.cleared_at.is_(None))
    if flag:
        query = query.where(Flag.name == flag)
    if site:
        query = query.where(Entry.site == site)
    return session.exec(query).one()


def stats(session: Session) -> dict[str, Any]:
    """Counts an operator checks at a glance."""

    def by(column: Any) -> dict[str, int]:
        return {k: n for k, n in session.exec(select(column, func.count()).group_by(column)).all()}

    last = session.exec(select(Run).order_by(Run.id.desc()).limit(1)).first()
    body_count, body_bytes, raw_bytes = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(func.length(Body.data)), 0),
            func.coalesce(func.sum(Body.size), 0),
        )
    ).one()
    return {
        "entries": by(Entry.status),
        "versions": session.exec(select(func.count()).select_from(Version)).one(),
        "pages": by(Page.status),
        "sources_per_entry": _sources_histogram(session),
        "open_flags": {
            k: n
            for k, n in session.exec(
                select(Flag.name, func.count()).where(Flag.cleared_at.is_(None)).group_by(Flag.name)
            ).all()
        },
        "verifications": session.exec(select(func.count()).select_from(Verification)).one(),
        "events": by(Event.kind),
        "bodies": {"count": body_count, "stored_bytes": int(body_bytes), "raw_bytes": int(raw_bytes)},
        "runs": session.exec(select(func.count()).select_from(Run)).one(),
        "last_run": None
        if last is None
        else {
            "id": last.id,
            "kind": last.kind,
            "status": last.status,
            "started_at": _iso(last.started_at),
            "finished_at": _iso(last.finished_at),
            "fetched": last.fetched,
            "new": last.new,
            "changed": last.changed,
            "unchanged": last.unchanged,
            "not_modified": last.not_modified,
            "gone": last.gone,
            "failed": last.failed,
            "duplicates": last.duplicates,
            "conflicts": last.conflicts,
            "errors": json.loads(last.errors or "{}"),
        },
    }


def _sources_histogram(session: Session) -> dict[str, int]:
    per_entry = (
        select(Page.entry_id, func.count().label("n"))
        .where(Page.entry_id.is_not(None))
        .group_by(Page.entry_id)
        .subquery()
    )
    rows = session.exec(select(per_entry.c.n, func.count()).group_by(per_entry.c.n)).all()
    return {str(n): c for n, c in sorted(rows)}
