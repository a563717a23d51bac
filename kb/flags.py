"""Flags: the reasons an editor should look at an entry (DESIGN.md's names are the contract).

Each flag is computed from the entry's state and the clock, never stored as a boolean on the entry:
``evaluate`` works out the wanted set, raises what is new and clears what no longer holds, with a
``flag_raised`` / ``flag_cleared`` event each. Ingest calls it for the entries it touches, ``kb
flags --refresh`` (``refresh_flags``) for all of them, because flags also rise as time passes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import Session, select

from kb import clock
from kb.models import Entry, Event, Flag, Verification, Version
from kb.normalize import Normalized, normalize_answer, numbers
from sites import profiles

NAMES = ("needs_verification", "stale", "past_policy_year", "changed_since_verified", "gone")

# Sentences that send the reader to the official source: the disclaimer's equivalents.
_OFFICIAL = re.compile(r"以(?:官方|当地|最新)[^。\n]{0,20}(?:公告|公布|规定|政策|通知|解释)为准")
# A year is a policy year when a figure (amount, percentage) shares its sentence, or when it is
# followed by a policy word (2024年起 / 2024年度 / 2024年标准 …).
_SENTENCE = re.compile(r"[^。!?;\n]+")
_POLICY_YEAR = re.compile(r"((?:19|20)\d{2})年(?:度|起|开始|标准|政策|缴费|执行|调整|新规)")


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return clock.parse_time(text)
    except ValueError:
        return None


def policy_years(answer: str) -> list[int]:
    """Years the answer gives policy figures for (see the module's rule)."""
    return _policy_years(normalize_answer(answer))


def _policy_years(normalized_answer: str) -> list[int]:
    found: set[int] = set()
    for sentence in _SENTENCE.findall(normalized_answer):
        stated = numbers(sentence)
        yrs = [int(n[:-1]) for n in stated if n.endswith("年")]
        if yrs and any(not n.endswith("年") for n in stated):
            found.update(yrs)
        found.update(int(y) for y in _POLICY_YEAR.findall(sentence))
    return sorted(found)


def wanted(
    session: Session, entry: Entry, now: datetime, content: Normalized | None = None
) -> dict[str, str]:
    """The flags ``entry`` should carry at ``now``, each with its reason.

    ``content``: a page's normalized content, read instead of normalizing the entry's current
    version again when it is that version's (same content hash).
    """
    version = session.exec(
        select(Version).where(Version.entry_id == entry.id, Version.number == entry.version)
    ).first()
    verifications = session.exec(
        select(Verification).where(Verification.entry_id == entry.id).order_by(Verification.at)
    ).all()
    return _wanted(entry, version, list(verifications), now, content)


def _wanted(
    entry: Entry,
    version: Version | None,
    verifications: list[Verification],
    now: datetime,
    content: Normalized | None = None,
) -> dict[str, str]:
    """:func:`wanted` of what it read: the entry's current version and its verifications, oldest first."""
    out: dict[str, str] = {}
    if version is None:
        return out
    current = [v for v in verifications if v.version == entry.version]
    official = _OFFICIAL.search(version.answer)
    disclaimer = version.has_verification_disclaimer or official is not None
    if disclaimer and not current:
        why = "the page carries the official-verification disclaimer"
        if not version.has_verification_disclaimer and official:
            why = f"the answer says {official.group(0)}"
        out["needs_verification"] = f"{why}; version {entry.version} is not verified"
    if verifications and not current:
        last = verifications[-1]
        out["changed_since_verified"] = (
            f"{last.by} verified version {last.version} on {last.at:%Y-%m-%d}; now at version {entry.version}"
        )
    profile = profiles.get(entry.site)
    days = profile.stale_days_disclaimer if disclaimer else profile.stale_days
    vouches = [(v.at, f"verified by {v.by}") for v in current]
    for label, value in (("published", entry.published), ("updated", entry.updated)):
        if (when := _date(value)) is not None:
            vouches.append((when, f"page {label} {value}"))
    if not vouches:
        vouches.append((version.created_at, f"version {version.number} seen"))
    at, what = max(vouches, key=lambda v: v[0])
    age = now - at
    if age > timedelta(days=days):
        out["stale"] = f"last vouched {at:%Y-%m-%d} ({what}): {age.days} days ago, window {days} days" + (
            " (disclaimer)" if disclaimer else ""
        )
    if content is not None and content.content_hash == version.content_hash:
        pyears = _policy_years(content.answer)
    else:
        pyears = policy_years(version.answer)
    if pyears and max(pyears) < now.year:
        out["past_policy_year"] = f"policy figures for {max(pyears)}; it is {now.year}"
    if entry.status == "gone":
        out["gone"] = f"source gone since {entry.gone_at:%Y-%m-%d}" if entry.gone_at else "source gone"
    return out


def open_flags(session: Session, entry_id: str) -> list[Flag]:
    return list(
        session.exec(
            select(Flag).where(Flag.entry_id == entry_id, Flag.cleared_at.is_(None)).order_by(Flag.id)
        ).all()
    )


def evaluate(
    session: Session,
    entry: Entry,
    *,
    now: datetime | None = None,
    run_id: int | None = None,
    content: Normalized | None = None,
) -> tuple[list[str], list[str]]:
    """Raise and clear ``entry``'s flags to match :func:`wanted`; return (raised, cleared) names."""
    now = now or clock.now()
    want = wanted(session, entry, now, content)
    have = {f.name: f for f in open_flags(session, entry.id)}
    found = _apply(session, entry, want, have, now, run_id)
    session.flush()
    return found


def _apply(
    session: Session,
    entry: Entry,
    want: dict[str, str],
    have: dict[str, Flag],
    now: datetime,
    run_id: int | None,
) -> tuple[list[str], list[str]]:
    """Raise what ``want`` has and ``have`` lacks, clear the reverse (events for both), update reasons."""
    raised, cleared = [], []
    for name, reason in want.items():
        if name in have:
            if have[name].reason != reason:
                have[name].reason = reason
                session.add(have[name])
            continue
        session.add(Flag(entry_id=entry.id, name=name, reason=reason, raised_at=now, raised_run_id=run_id))
        session.add(_event(entry.id, "flag_raised", name, reason, now, run_id))
        raised.append(name)
    for name, flag in have.items():
        if name in want:
            continue
        flag.cleared_at = now
        flag.cleared_run_id = run_id
        session.add(flag)
        session.add(_event(entry.id, "flag_cleared", name, flag.reason, now, run_id))
        cleared.append(name)
    return raised, cleared


def _event(entry_id: str, kind: str, name: str, reason: str, now: datetime, run_id: int | None) -> Event:
    detail = json.dumps({"flag": name, "reason": reason}, ensure_ascii=False)
    return Event(run_id=run_id, entry_id=entry_id, kind=kind, at=now, detail=detail)


REFRESH_BATCH = 1000  # entries per query of refresh_flags


def refresh_flags(
    session: Session, *, now: datetime | None = None, run_id: int | None = None
) -> dict[str, tuple[int, int]]:
    """Re-evaluate every entry's flags at ``now``: {flag name: (raised, cleared)}.

    The entries are read a batch at a time (keyset on the id), each batch's current versions,
    verifications and open flags in one query each, so a KB of any size is refreshed in bounded
    memory (evaluated entries are not kept: the session holds clean objects weakly) and without a
    query per entry.
    """
    now = now or clock.now()
    totals = {name: [0, 0] for name in NAMES}
    last = ""
    current = (Version.entry_id == Entry.id) & (Version.number == Entry.version)
    while batch := session.exec(
        select(Entry, Version)
        .outerjoin(Version, current)
        .where(Entry.id > last)
        .order_by(Entry.id)
        .limit(REFRESH_BATCH)
    ).all():
        ids = [entry.id for entry, _ in batch]
        verifications: dict[str, list[Verification]] = defaultdict(list)
        for v in session.exec(
            select(Verification).where(Verification.entry_id.in_(ids)).order_by(Verification.at)
        ):
            verifications[v.entry_id].append(v)
        have: dict[str, dict[str, Flag]] = defaultdict(dict)
        for f in session.exec(
            select(Flag).where(Flag.entry_id.in_(ids), Flag.cleared_at.is_(None)).order_by(Flag.id)
        ):
            have[f.entry_id][f.name] = f
        for entry, version in batch:
            want = _wanted(entry, version, verifications[entry.id], now)
            raised, cleared = _apply(session, entry, want, have[entry.id], now, run_id)
            for name in raised:
                totals[name][0] += 1
            for name in cleared:
                totals[name][1] += 1
        session.flush()
        last = ids[-1]
    return {name: (r, c) for name, (r, c) in totals.items()}
