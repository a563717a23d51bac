"""What the KB recorded in a report's window, read once: the runs bounding it, its events, versions, flags.

The window is (from_run, to_run]: events of every run after ``from_run`` up to and including
``to_run`` (refresh runs in between count), plus events without a run (an editor's verify) timed
inside it. By default, to_run is the last crawl run and from_run the crawl run before it. ``since``
instead takes every event at or after a time. Only Events, Versions, Flags and Runs are read (never
pages), so the report of a past window says what the KB recorded then.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from kb import suspect
from kb.clock import db_time
from kb.models import Entry, Event, ExtractionNote, Flag, Page, Run, RunSite, Version

BATCH = 500  # ids per IN (...) query


class ReportError(ValueError):
    """A window the KB cannot report on (unknown run, runs in the wrong order): one line for the CLI."""


def run_time(run: Run | None) -> datetime | None:
    return None if run is None else (run.finished_at or run.started_at)


def _get_run(session: Session, run_id: int, option: str) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise ReportError(f"{option} {run_id}: no such run (see the runs table)")
    return run


def resolve_window(
    session: Session, from_run: int | None, to_run: int | None, since: datetime | None
) -> tuple[Run | None, Run | None]:
    """The two runs bounding the report (either may be None: from the start / up to now)."""
    if since is not None:
        if from_run is not None or to_run is not None:
            raise ReportError("--since cannot be combined with --from-run / --to-run")
        return None, None
    if to_run is not None:
        to = _get_run(session, to_run, "--to-run")
    else:
        crawls = select(Run).where(Run.kind == "crawl").order_by(Run.id.desc())  # type: ignore[union-attr]
        to = session.scalars(crawls.where(Run.finished_at.is_not(None)).limit(1)).first()  # type: ignore[union-attr]
        if to is None:
            to = session.scalars(crawls.limit(1)).first()
    if from_run is not None:
        frm = _get_run(session, from_run, "--from-run")
        if to is not None and frm.id >= to.id:  # type: ignore[operator]
            raise ReportError(f"--from-run {frm.id} is not before run {to.id}")
    elif to is not None:
        frm = session.scalars(
            select(Run)
            .where(Run.kind == "crawl", Run.id < to.id)  # type: ignore[operator]
            .order_by(Run.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).first()
    else:
        frm = None
    return frm, to


def window_events(session: Session, frm: Run | None, to: Run | None, since: datetime | None) -> list[Event]:
    if since is not None:
        cond: Any = Event.at >= since
    else:
        by_run = [Event.run_id.is_not(None)]  # type: ignore[union-attr]
        by_time = [Event.run_id.is_(None)]  # type: ignore[union-attr]
        if frm is not None:
            by_run.append(Event.run_id > frm.id)  # type: ignore[operator]
            if run_time(frm) is not None:
                by_time.append(Event.at > run_time(frm))  # type: ignore[operator]
        if to is not None:
            by_run.append(Event.run_id <= to.id)  # type: ignore[operator]
            if to.finished_at is not None:
                by_time.append(Event.at <= to.finished_at)  # type: ignore[operator]
        cond = or_(and_(*by_run), and_(*by_time))
    return list(session.scalars(select(Event).where(cond).order_by(Event.id)).all())  # type: ignore[arg-type]


def window_runs(session: Session, frm: Run | None, to: Run | None, since: datetime | None) -> list[Run]:
    stmt = select(Run).order_by(Run.id)  # type: ignore[arg-type]
    if since is not None:
        stmt = stmt.where(or_(Run.started_at >= since, Run.finished_at >= since))  # type: ignore[operator]
    else:
        if frm is not None:
            stmt = stmt.where(Run.id > frm.id)  # type: ignore[operator]
        if to is not None:
            stmt = stmt.where(Run.id <= to.id)  # type: ignore[operator]
    return list(session.scalars(stmt).all())


def versions_of(session: Session, ids: Iterable[str]) -> dict[str, list[Version]]:
    """Every version of these entries, oldest first: the report's source of questions and answers."""
    ids = sorted(set(ids))
    found: dict[str, list[Version]] = defaultdict(list)
    for i in range(0, len(ids), BATCH):
        stmt = (
            select(Version)
            .where(Version.entry_id.in_(ids[i : i + BATCH]))  # type: ignore[attr-defined]
            .order_by(Version.entry_id, Version.number)
        )
        for v in session.scalars(stmt):
            found[v.entry_id].append(v)
    return found


def open_flags(session: Session, ids: Iterable[str]) -> dict[str, list[str]]:
    """Each entry's open flag names, sorted (flags as they are now, not as of the window's end)."""
    names: dict[str, set[str]] = defaultdict(set)
    ids = sorted(set(ids))
    for i in range(0, len(ids), BATCH):
        stmt = select(Flag.entry_id, Flag.name).where(
            Flag.entry_id.in_(ids[i : i + BATCH]),  # type: ignore[attr-defined]
            Flag.cleared_at.is_(None),  # type: ignore[union-attr]
        )
        for entry_id, name in session.execute(stmt):
            names[entry_id].add(name)
    return {k: sorted(v) for k, v in names.items()}


def entry_sites(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Each entry's site (its canonical source's): whose alarm a held-back version falls under."""
    ids = sorted(set(ids))
    out: dict[str, str] = {}
    for i in range(0, len(ids), BATCH):
        stmt = select(Entry.id, Entry.site).where(Entry.id.in_(ids[i : i + BATCH]))  # type: ignore[attr-defined]
        out.update({entry_id: site for entry_id, site in session.execute(stmt)})
    return out


def detail(event: Event) -> dict[str, Any]:
    """The event's JSON detail, or {} when it is not a JSON object."""
    try:
        value = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class Facts:
    """The window's runs, events (by kind) and the versions and open flags of the entries they name.

    Every section of the report is a plain function of this.
    """

    frm: Run | None
    to: Run | None
    since: datetime | None
    events: dict[str, list[Event]]
    history: dict[str, list[Version]]
    flags_now: dict[str, list[str]]
    runs: list[Run]
    dead_links: list[Page] = field(default_factory=list)  # URLs first found dead in the window
    alarms: list[RunSite] = field(default_factory=list)  # the window's runs' alarmed sites
    notes: list[ExtractionNote] = field(default_factory=list)  # pages whose extraction needs a look
    sites: dict[str, str] = field(default_factory=dict)  # entry -> its site, for the alarmed entries

    @property
    def until(self) -> datetime | None:
        return self.to.finished_at if self.to is not None else None

    def of_kind(self, kind: str) -> list[Event]:
        return self.events.get(kind, [])

    def version(self, entry_id: str, number: int | None) -> Version | None:
        return next((v for v in self.history.get(entry_id, []) if v.number == number), None)

    def head(self, entry_id: str) -> Version | None:
        """The entry's newest version as of the window's end (the report describes that moment)."""
        until = self.until
        made = [v for v in self.history.get(entry_id, []) if until is None or v.created_at <= until]
        return made[-1] if made else None


def read_facts(
    session: Session, from_run: int | None = None, to_run: int | None = None, since: datetime | None = None
) -> Facts:
    """Everything the report needs from the KB, in a handful of queries."""
    frm, to = resolve_window(session, from_run, to_run, since)
    since = db_time(since)
    events = window_events(session, frm, to, since)
    ids = {e.entry_id for e in events}
    by_kind: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event)
        other = detail(event).get("other_entry") if event.kind == "conflict" else None
        if isinstance(other, str):
            ids.add(other)
    in_window = window_runs(session, frm, to, since)
    run_ids = [r.id for r in in_window if r.id is not None]
    alarms = suspect.alarms(session, run_ids)
    notes = list(
        session.scalars(
            select(ExtractionNote)
            .where(ExtractionNote.run_id.in_(run_ids))  # type: ignore[union-attr]
            .order_by(ExtractionNote.id)  # type: ignore[arg-type]
        )
    )
    return Facts(
        frm=frm,
        to=to,
        since=since,
        events=dict(by_kind),
        history=versions_of(session, ids),
        flags_now=open_flags(session, ids),
        runs=in_window,
        dead_links=window_dead_links(session, frm, to, since),
        alarms=alarms,
        notes=notes,
        sites=entry_sites(session, ids) if alarms else {},
    )


def window_dead_links(session: Session, frm: Run | None, to: Run | None, since: datetime | None) -> list[Page]:
    """Links first found dead (404/410, never a 200: ``kb.pages.dead_link``) in the window, by URL."""
    stmt = select(Page).where(Page.status == "dead").order_by(Page.url)  # type: ignore[arg-type]
    start = since if since is not None else run_time(frm)
    if start is not None:
        stmt = stmt.where(Page.first_seen > start)  # type: ignore[operator]
    if since is None and to is not None and to.finished_at is not None:
        stmt = stmt.where(Page.first_seen <= to.finished_at)  # type: ignore[operator]
    return list(session.scalars(stmt).all())
