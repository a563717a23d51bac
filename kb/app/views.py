"""What the entry page shows, as plain data: built from the same functions as ``kb show`` /
``kb history`` (kb.editors), the report's diff (kb.report.diff) and the action trail (kb.review)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from kb import editors, review
from kb.clock import iso
from kb.models import Event, Flag, Version
from kb.report.diff import char_diff, excerpt, number_changes, summary_line, widen_numbers


def blocks(version: Version) -> list[dict[str, Any]]:
    """The answer's blocks (paragraphs, headings, lists, tables); plain paragraphs when none were kept."""
    try:
        found = json.loads(version.answer_blocks or "[]")
    except ValueError:
        found = []
    if isinstance(found, list) and found and all(isinstance(b, dict) for b in found):
        return found
    return [{"type": "paragraph", "text": p} for p in version.answer.split("\n\n") if p.strip()]


def compare(old: Version, new: Version) -> dict[str, Any]:
    """The report's character diff of two versions, numbers widened and called out."""
    numbers = number_changes(old.answer, new.answer)
    answer = widen_numbers(char_diff(old.answer, new.answer))
    short, _cut = excerpt(answer, context=60, limit=10**9)  # long unchanged stretches cut, as the report does
    return {
        "old": old.number,
        "new": new.number,
        "question": widen_numbers(char_diff(old.question, new.question))
        if old.question != new.question
        else None,
        "answer": answer,
        "excerpt": short if short != answer else None,
        "numbers": numbers,
        "summary": summary_line(numbers),
        "disclaimer": None
        if old.has_verification_disclaimer == new.has_verification_disclaimer
        else ("added" if new.has_verification_disclaimer else "removed"),
    }


def conflicts(session: Session, entry_id: str) -> list[dict[str, Any]]:
    """Conflict events this entry is part of (either side), each with the other entry's id."""
    needle = f'%"other_entry": "{entry_id}"%'
    rows = session.exec(
        select(Event).where(
            Event.kind == "conflict",
            (Event.entry_id == entry_id) | Event.detail.like(needle),  # type: ignore[attr-defined]
        )
    ).all()
    out = []
    for e in rows:
        other = json.loads(e.detail or "{}").get("other_entry")
        out.append(
            {
                "entry": e.entry_id,
                "other": other if e.entry_id == entry_id else e.entry_id,
                "at": iso(e.at),
                "pair": sorted([e.entry_id, str(other)]),
            }
        )
    return out


def entry_page(session: Session, entry_id: str, a: int | None = None, b: int | None = None) -> dict[str, Any]:
    """Everything the entry page shows; ``a``/``b`` pick the two versions to compare (default: the last two)."""
    data = editors.show(session, entry_id)
    versions = list(
        session.exec(select(Version).where(Version.entry_id == data["id"]).order_by(Version.number)).all()
    )
    by_number = {v.number: v for v in versions}
    current = by_number[data["version"]]
    diff = None
    if len(versions) > 1:
        new = by_number.get(b) if b in by_number else versions[-1]
        old = by_number.get(a) if a in by_number else versions[-2] if new is versions[-1] else versions[0]
        if old.number > new.number:
            old, new = new, old
        if old.number != new.number:
            diff = compare(old, new)
    cleared = session.exec(
        select(Flag)
        .where(Flag.entry_id == data["id"], Flag.cleared_at.is_not(None))  # type: ignore[union-attr]
        .order_by(Flag.cleared_at.desc())  # type: ignore[union-attr]
        .limit(20)
    ).all()
    return {
        "entry": data,
        "current": current,
        "blocks": blocks(current),
        "versions": versions,
        "diff": diff,
        "cleared_flags": [
            {
                "name": f.name,
                "reason": f.reason,
                "raised_at": iso(f.raised_at),
                "cleared_at": iso(f.cleared_at),
            }
            for f in cleared
        ],
        "actions": review.actions(session, data["id"]),
        "conflicts": conflicts(session, data["id"]),
    }
