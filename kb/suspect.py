"""Suspect versions: what the template-change alarm (``kb.alarm``) holds back, and an editor's release.

When a crawl run closes, each of its sites is judged (:func:`close`). A site that alarms has its run's
new versions of its entries held back as ``suspect``: stored, but the entry stays at its previous
version, so ``kb export``, flags and the report's "Changed" keep telling the previous answer. The alarm's
one-line reason and the fate of what it held (suspect | accepted | rejected) live on the ``run_site`` row.

``kb accept-run`` releases them (each entry moves to its newest version that is not held); ``kb
reject-run`` drops them (``rejected``; the previous version stays current). A page keeps the content
hash of what it last showed, so a later run that meets the same rejected content finds it unchanged and
does not raise it again; only a further change of the page makes a new version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from kb import alarm, clock, dedupe, flags, locks, runs
from kb.models import Entry, Run, RunSite, Version
from kb.normalize import normalized

BATCH = 500
# An entry whose only versions a run held back (a page that came loose from its entry in a redesign and
# became an entry of its own) has nothing to export: it is ``suspect`` until accepted, ``rejected`` after.
HIDDEN = ("suspect", "rejected")


class SuspectError(ValueError):
    """A run or site an editor named that is not there: one line for the CLI (exit 2)."""


@dataclass
class Decision:
    """What an editor's accept or reject did to one site of a run."""

    run_id: int
    site: str
    held: str  # the site's state after: accepted | rejected (or what it already was)
    versions: int  # versions released or dropped now (0: nothing was held)
    entries: int  # entries whose current version moved (accept only)


def _extracted(row: RunSite) -> int:
    return max(row.fetched - row.not_modified - row.failed - row.gone, 0)


def _previous(session: Session, run_id: int, site: str) -> RunSite | None:
    """The site's row of the crawl run before this one, if any."""
    return session.scalars(
        select(RunSite)
        .join(Run, Run.id == RunSite.run_id)
        .where(RunSite.site == site, RunSite.run_id < run_id, Run.kind == "crawl")  # type: ignore[arg-type]
        .order_by(RunSite.run_id.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()


def _lengths(session: Session, run_id: int) -> dict[str, list[tuple[int, int]]]:
    """Per site: (old, new) answer length of each entry this run gave a new version (not held)."""
    made = session.execute(
        select(Version.entry_id, Version.number, Entry.site)
        .join(Entry, Entry.id == Version.entry_id)
        .where(Version.run_id == run_id, Version.number > 1, Version.held.is_(None))  # type: ignore[union-attr]
    ).all()
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    site_of: dict[str, str] = {}
    for entry_id, number, site in made:
        first[entry_id] = min(first.get(entry_id, number), number)
        last[entry_id] = max(last.get(entry_id, number), number)
        site_of[entry_id] = site
    ids = sorted(first)
    answers: dict[str, dict[int, int]] = defaultdict(dict)  # entry -> {number: answer length}
    for i in range(0, len(ids), BATCH):
        for entry_id, number, held, answer in session.execute(
            select(Version.entry_id, Version.number, Version.held, Version.answer).where(
                Version.entry_id.in_(ids[i : i + BATCH])  # type: ignore[attr-defined]
            )
        ):
            if held is None or number >= first[entry_id]:
                answers[entry_id][number] = len(answer)
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for entry_id in ids:
        before = [n for n in answers[entry_id] if n < first[entry_id]]
        if before:
            out[site_of[entry_id]].append((answers[entry_id][max(before)], answers[entry_id][last[entry_id]]))
    return out


def site_runs(session: Session, run_id: int) -> list[alarm.SiteRun]:
    """What the run did to each of its sites, as ``kb.alarm.judge`` reads it."""
    lengths = _lengths(session, run_id)
    out = []
    for row in runs.run_sites(session, run_id):
        prev = _previous(session, run_id, row.site)
        before = None
        if prev is not None and _extracted(prev):
            before = prev.no_answer / _extracted(prev)
        out.append(
            alarm.SiteRun(
                site=row.site,
                seen=row.changed + row.unchanged + row.not_modified,
                lengths=lengths.get(row.site, []),
                extracted=_extracted(row),
                no_answer=row.no_answer,
                before=before,
            )
        )
    return out


def _point(session: Session, entry: Entry, version: Version, now: datetime, run_id: int | None) -> None:
    """Make ``version`` the entry's current one (its content, signature and flags follow)."""
    norm = normalized(version.question, version.answer, disclaimer=version.has_verification_disclaimer)
    sig = dedupe.signature(norm)
    entry.version = version.number
    entry.content_hash = version.content_hash
    entry.question = version.question
    dedupe.store_bands(session, entry.id, entry.minhash, sig)
    entry.minhash = dedupe.to_bytes(sig.minhash)
    entry.updated_at = version.created_at
    session.add(entry)
    session.flush()
    flags.evaluate(session, entry, now=now, run_id=run_id, content=norm)


def _standing(session: Session, entry_id: str) -> Version | None:
    """The entry's newest version that is not held back."""
    return session.scalars(
        select(Version)
        .where(Version.entry_id == entry_id, Version.held.is_(None))  # type: ignore[union-attr, arg-type]
        .order_by(Version.number.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()


def _versions(session: Session, run_id: int, site: str, held: str | None) -> list[Version]:
    cond = Version.held.is_(None) if held is None else Version.held == held  # type: ignore[union-attr]
    return list(
        session.scalars(
            select(Version)
            .join(Entry, Entry.id == Version.entry_id)  # type: ignore[arg-type]
            .where(Version.run_id == run_id, Entry.site == site, cond)  # type: ignore[arg-type]
            .order_by(Version.entry_id, Version.number)  # type: ignore[arg-type]
        )
    )


def hold(session: Session, run_id: int, site: str, *, now: datetime | None = None) -> int:
    """Hold back the run's new versions of the site's entries; each entry returns to the version before
    (an entry the run created has none: it is ``suspect`` as a whole)."""
    now = now or clock.now()
    held = _versions(session, run_id, site, None)
    for v in held:
        v.held = "suspect"
        session.add(v)
    session.flush()
    for entry_id in sorted({v.entry_id for v in held}):
        entry = locks.locked_entry(session, entry_id)
        standing = _standing(session, entry_id)
        if entry is None:
            continue
        if standing is None:  # new in this run: nothing stands behind it
            entry.status = "suspect"
            session.add(entry)
        elif standing.number != entry.version:
            _point(session, entry, standing, now, run_id)
    return len(held)


def close(session: Session, run_id: int, *, now: datetime | None = None) -> list[RunSite]:
    """Judge every site of a closing crawl run; record each alarm and hold what it covers. Commits."""
    run = session.get(Run, run_id)
    if run is None or run.kind != "crawl":
        return []
    alarmed = []
    for site_run in site_runs(session, run_id):
        reason = alarm.judge(site_run)
        if reason is None:
            continue
        row = session.get(RunSite, (run_id, site_run.site))
        assert row is not None
        row.alarm = reason
        row.held = "suspect" if hold(session, run_id, site_run.site, now=now) else None
        session.add(row)
        alarmed.append(row)
    session.commit()
    return alarmed


def _rows(session: Session, run_id: int, site: str | None) -> list[RunSite]:
    if session.get(Run, run_id) is None:
        raise SuspectError(f"run {run_id}: no such run (kb report's runs table and kb serve's Runs page list them)")
    rows = runs.run_sites(session, run_id)
    if site is not None:
        rows = [r for r in rows if r.site == site]
        if not rows:
            raise SuspectError(f"run {run_id} has no site {site!r}")
    return rows


def decide(
    session: Session, run_id: int, site: str | None, verdict: str, *, now: datetime | None = None
) -> list[Decision]:
    """Accept (``accepted``: versions released, entries move on) or reject (``rejected``: dropped) what
    the run held back, for one site or all of its sites. Commits."""
    if verdict not in ("accepted", "rejected"):
        raise ValueError(verdict)
    now = now or clock.now()
    out = []
    for row in _rows(session, run_id, site):
        if row.held != "suspect" and site is None:
            continue
        versions = _versions(session, run_id, row.site, "suspect") if row.held == "suspect" else []
        for v in versions:
            v.held = None if verdict == "accepted" else "rejected"
            session.add(v)
        session.flush()
        moved = 0
        for entry_id in sorted({v.entry_id for v in versions}):
            entry = locks.locked_entry(session, entry_id)
            if entry is None:
                continue
            if entry.status == "suspect":
                entry.status = "active" if verdict == "accepted" else "rejected"
                session.add(entry)
            standing = _standing(session, entry_id)
            if verdict == "accepted" and standing is not None and standing.number > entry.version:
                _point(session, entry, standing, now, run_id)
                moved += 1
        if versions:
            row.held = verdict
            session.add(row)
        out.append(Decision(run_id, row.site, row.held or "none", len(versions), moved))
    session.commit()
    return out


def alarms(session: Session, run_ids: list[int]) -> list[RunSite]:
    """The alarmed sites of these runs, newest run first."""
    if not run_ids:
        return []
    return list(
        session.scalars(
            select(RunSite)
            .where(RunSite.run_id.in_(run_ids), RunSite.alarm.is_not(None))  # type: ignore[attr-defined, union-attr]
            .order_by(RunSite.run_id.desc(), RunSite.site)  # type: ignore[attr-defined]
        )
    )
