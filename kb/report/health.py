"""KB health after each of the last crawl runs: entries present and open flags by name (the chart's data).

Counted from Events and Flags as they stood after each run, so an old report's chart does not move.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from kb.clock import stamp
from kb.export import flag_names
from kb.models import Event, Flag, Run
from kb.report.model import Health, HealthPoint
from kb.report.window import run_time

HEALTH_RUNS = 10


def chart_flag_names(session: Session) -> list[str]:
    """The contract's flag names, then any other name the KB holds (legend order)."""
    names = flag_names()
    stored = set(session.execute(select(Flag.name).distinct()).scalars())  # type: ignore[arg-type]
    return names + sorted(stored - set(names))


def entry_deltas(session: Session) -> dict[int, int]:
    """Per run: entries added - gone + returned (entries present after run R = sum up to R)."""
    deltas: dict[int, int] = defaultdict(int)
    rows = session.execute(
        select(Event.run_id, Event.kind, func.count())
        .where(Event.kind.in_(("added", "gone", "returned")), Event.run_id.is_not(None))  # type: ignore[attr-defined, union-attr]
        .group_by(Event.run_id, Event.kind)
    ).all()
    for run_id, kind, n in rows:
        deltas[run_id] += -n if kind == "gone" else n
    return deltas


def open_flags_after(session: Session, run: Run) -> dict[str, int]:
    """Entries per flag name with the flag open once ``run`` finished."""
    t = run_time(run)
    raised = or_(
        and_(Flag.raised_run_id.is_not(None), Flag.raised_run_id <= run.id),  # type: ignore[union-attr, operator]
        and_(Flag.raised_run_id.is_(None), Flag.raised_at <= t),  # type: ignore[union-attr, operator]
    )
    still_open = or_(
        Flag.cleared_at.is_(None),  # type: ignore[union-attr]
        and_(Flag.cleared_run_id.is_not(None), Flag.cleared_run_id > run.id),  # type: ignore[union-attr, operator]
        and_(Flag.cleared_run_id.is_(None), Flag.cleared_at > t),  # type: ignore[union-attr, operator]
    )
    rows = session.execute(
        select(Flag.name, func.count(func.distinct(Flag.entry_id)))
        .where(raised, still_open)
        .group_by(Flag.name)
    ).all()
    return {name: int(n) for name, n in rows}


def health(session: Session, to: Run | None, last: int = HEALTH_RUNS) -> Health:
    """The last ``last`` crawl runs up to ``to`` (all runs when None), oldest first."""
    stmt = select(Run).where(Run.kind == "crawl")
    if to is not None:
        stmt = stmt.where(Run.id <= to.id)  # type: ignore[operator]
    runs = list(reversed(session.scalars(stmt.order_by(Run.id.desc()).limit(last)).all()))  # type: ignore[union-attr]
    names = chart_flag_names(session)
    deltas = entry_deltas(session)
    points = []
    for run in runs:
        assert run.id is not None
        counts = open_flags_after(session, run)
        points.append(
            HealthPoint(
                run=run.id,
                at=stamp(run_time(run)),
                status=run.status,
                entries=sum(n for rid, n in deltas.items() if rid <= run.id),
                flags={name: counts.get(name, 0) for name in names},
            )
        )
    return Health(flags=names, runs=points)
