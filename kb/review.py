"""What editors do to entries, each recorded as an Action (who, when, what, note) for good.

The CLI's ``kb verify --by`` and the app's buttons both come here, so the trail is one list
whichever way an editor worked. Verifying goes through ``kb.editors.verify`` (the flag rules are
``kb.flags``'); the app passes the version the editor was reading, and an entry that moved on since
(a crawl made a new version) is refused rather than verified unseen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from kb import clock, editors, flags
from kb.models import Action, Entry, Event, Verification, Version

KINDS = ("verify", "unverify", "extraction_wrong", "resolve_conflict")


class StaleVersion(ValueError):
    """The entry has a newer version than the one the editor acted on."""


def _check_version(entry: Entry, seen: int | None) -> None:
    if seen is not None and seen != entry.version:
        raise StaleVersion(
            f"entry {entry.id} is at version {entry.version} now, not {seen}: read the new version first"
        )


def record(
    session: Session,
    entry_id: str,
    kind: str,
    by: str,
    *,
    version: int | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Action:
    action = Action(
        entry_id=entry_id,
        version=version,
        kind=kind,
        by=by,
        at=now or clock.now(),
        note=(note or "").strip() or None,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    )
    session.add(action)
    session.flush()
    return action


def verify(
    session: Session,
    entry_id: str,
    by: str,
    note: str | None = None,
    *,
    seen_version: int | None = None,
    now: datetime | None = None,
) -> tuple[Verification, list[str]]:
    """Verify the current version (``kb.editors.verify``) and record it; returns the flags cleared."""
    now = now or clock.now()
    _check_version(editors.get_entry(session, entry_id), seen_version)
    mark, cleared = editors.verify(session, entry_id, by, note, now=now)
    record(
        session,
        mark.entry_id,
        "verify",
        mark.by,
        version=mark.version,
        note=note,
        detail={"cleared": cleared},
        now=now,
    )
    return mark, cleared


def unverify(
    session: Session, entry_id: str, by: str, note: str | None = None, *, now: datetime | None = None
) -> tuple[int, list[str]]:
    """Withdraw the verifications of the current version; returns how many, and the flags raised.

    The withdrawn marks are kept in the action's detail: the trail loses nothing.
    """
    now = now or clock.now()
    entry = editors.get_entry(session, entry_id)
    marks = session.exec(
        select(Verification).where(Verification.entry_id == entry.id, Verification.version == entry.version)
    ).all()
    if not marks:
        raise ValueError(f"version {entry.version} of {entry.id} is not verified")
    withdrawn = [{"by": m.by, "at": clock.iso(m.at), "note": m.note} for m in marks]
    for m in marks:
        session.delete(m)
    session.flush()
    raised, _cleared = flags.evaluate(session, entry, now=now)
    record(
        session,
        entry.id,
        "unverify",
        by,
        version=entry.version,
        note=note,
        detail={"withdrawn": withdrawn, "raised": raised},
        now=now,
    )
    return len(marks), raised


def mark_extraction_wrong(
    session: Session,
    entry_id: str,
    by: str,
    note: str,
    *,
    seen_version: int | None = None,
    now: datetime | None = None,
) -> Action:
    """Editor feedback: the extractor got this version wrong (the note says how); see ``feedback``."""
    if not (note or "").strip():
        raise ValueError("say what is wrong with the extraction")
    entry = editors.get_entry(session, entry_id)
    _check_version(entry, seen_version)
    return record(session, entry.id, "extraction_wrong", by, version=entry.version, note=note, now=now)


def resolve_conflict(
    session: Session,
    entry_id: str,
    other_id: str,
    stands: str,
    by: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> Action:
    """Settle a conflict (same question, other figures): the version of ``stands`` is the one that holds.

    The standing entry's current version is verified by ``by`` (so its flags follow); the decision,
    with both versions, is recorded on both entries and takes the conflict off the review queue.
    """
    now = now or clock.now()
    if stands not in (entry_id, other_id):
        raise ValueError("the standing entry must be one of the two in conflict")
    conflict = session.exec(
        select(Event).where(Event.kind == "conflict", Event.entry_id.in_([entry_id, other_id]))  # type: ignore[attr-defined]
    ).all()
    pair = {entry_id, other_id}
    if not any({e.entry_id, json.loads(e.detail or "{}").get("other_entry")} == pair for e in conflict):
        raise ValueError(f"no conflict between {entry_id} and {other_id}")
    winner = editors.get_entry(session, stands)
    loser = editors.get_entry(session, other_id if stands == entry_id else entry_id)
    editors.verify(session, winner.id, by, note or f"stands over conflicting entry {loser.id}", now=now)
    detail = {
        "stands": {"id": winner.id, "version": winner.version},
        "overruled": {"id": loser.id, "version": loser.version},
    }
    record(
        session, loser.id, "resolve_conflict", by, version=loser.version, note=note, detail=detail, now=now
    )
    return record(
        session, winner.id, "resolve_conflict", by, version=winner.version, note=note, detail=detail, now=now
    )


def actions(session: Session, entry_id: str) -> list[dict[str, Any]]:
    """An entry's trail, newest first."""
    rows = session.exec(
        select(Action).where(Action.entry_id == entry_id).order_by(Action.id.desc())  # type: ignore[union-attr]
    ).all()
    return [
        {
            "kind": a.kind,
            "by": a.by,
            "at": clock.iso(a.at),
            "version": a.version,
            "note": a.note,
            "detail": json.loads(a.detail or "{}"),
        }
        for a in rows
    ]


def feedback(session: Session) -> Iterator[dict[str, Any]]:
    """Extraction-wrong feedback, oldest first, with what the extractor needs to reproduce it.

    ``body_hash`` names the stored raw page (``kb.bodies.load_body``), ``source_url`` where it came
    from, ``extractor_version`` which extractor made the text the editor judged.
    """
    stmt = (
        select(Action, Version)
        .join(Version, (Version.entry_id == Action.entry_id) & (Version.number == Action.version))
        .where(Action.kind == "extraction_wrong")
        .order_by(Action.id)
    )
    for action, version in session.exec(stmt):
        yield {
            "entry_id": action.entry_id,
            "version": action.version,
            "by": action.by,
            "at": clock.iso(action.at),
            "note": action.note,
            "source_url": version.source_url,
            "body_hash": version.body_hash,
            "extractor_version": version.extractor_version,
            "question": version.question,
            "answer": version.answer,
        }
