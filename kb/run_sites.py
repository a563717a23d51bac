"""A crawl run's sites: each site's counts, errors and status, so one failing site fails alone.

A night crawls many sites in one run. A site whose robots.txt answers 500, whose every page answers
5xx or whose server refuses connections is marked ``failed`` here with a one-line note, and the
run goes on for the others; the run itself fails only when every site failed. ``kb crawl``'s exit
code, ``kb report``'s sites table and kb-nightly's exit code read these rows.

Counters are bumped with ``UPDATE … SET n = n + 1`` in the ingest's transaction (like the run's own),
so concurrent workers never lose a count and a crash never leaves a count without its page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from kb.models import RunSite
from kb.runs import COUNTERS, RUN_COUNTS

# Errors that say the site itself could not be crawled tonight (not one bad page).
SITE_DOWN = {
    "robots_unavailable": "robots.txt unavailable",
    "connection": "connection failed",
    "dns": "host not found",
    "timeout": "timed out",
}


def ensure(session: Session, run_id: int, sites: Iterable[str]) -> None:
    """A row for each site (INSERT … ON CONFLICT DO NOTHING: workers sharing a run may race)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for site in sorted(set(sites)):
        stmt = module.insert(RunSite).values(run_id=run_id, site=site, status="running", note="", errors="{}")
        session.execute(stmt.on_conflict_do_nothing(index_elements=["run_id", "site"]))


def count(
    session: Session,
    run_id: int | None,
    site: str,
    outcome: str,
    *,
    fetched: bool = True,
    error: str | None = None,
) -> None:
    """Bump ``site``'s counter for ``outcome`` (the words of ``kb.runs.COUNTERS``) in the caller's
    transaction; ``error`` (a fault's kind) is added to the site's errors by kind."""
    if run_id is None:
        return
    ensure(session, run_id, [site])
    values: dict[str, Any] = {}
    column = COUNTERS.get(outcome)
    if column:
        values[column] = getattr(RunSite, column) + 1
    if fetched:
        values["fetched"] = RunSite.fetched + 1
    where = (RunSite.run_id == run_id, RunSite.site == site)
    if values:
        session.execute(update(RunSite).where(*where).values(**values))
    if error:
        row = session.exec(
            select(RunSite).where(*where).with_for_update().execution_options(populate_existing=True)
        ).one()
        errors = json.loads(row.errors or "{}")
        errors[error] = errors.get(error, 0) + 1
        row.errors = json.dumps(errors, sort_keys=True)
        session.add(row)
        session.flush()


def judge(row: RunSite) -> tuple[str, str]:
    """(status, note) of one site's part of a run: the run's own rule (``kb.runs.run_status``), per site.

    A site with nothing to do (no fetch, no fault: a refresh with nothing due) is ok. A site that
    fetched nothing, or whose fetches failed more than half the time, failed; the note names the
    commonest fault, and a site-wide one (robots.txt unavailable, connection refused) first.
    """
    errors: dict[str, int] = json.loads(row.errors or "{}")
    if row.fetched == 0 and row.robots_refused:
        return "failed", f"robots.txt disallows every page asked for ({row.robots_refused} refused)"
    if row.fetched == 0 and not errors:
        return "ok", "nothing to fetch"
    if row.fetched > 0 and row.failed <= row.fetched / 2:
        return "ok", ""
    down = [kind for kind in SITE_DOWN if errors.get(kind)]
    if down:
        kind = down[0]
        return "failed", f"{SITE_DOWN[kind]} ({errors[kind]} of {row.fetched} fetches)"
    if not errors:
        return "failed", "nothing fetched"
    kind, n = max(errors.items(), key=lambda kv: (kv[1], kv[0]))
    return "failed", f"{row.failed} of {row.fetched} fetches failed (most: {kind} x{n})"


def finish(session: Session, run_id: int, *, interrupted: bool = False) -> list[RunSite]:
    """Judge every site of the run (``judge``) and commit; the rows, by site name. A run stopped before
    its end leaves its sites ``interrupted``: what they did not fetch says nothing about them."""
    rows = list(session.exec(select(RunSite).where(RunSite.run_id == run_id).order_by(RunSite.site)).all())
    for row in rows:
        session.refresh(row)
        row.status, row.note = ("interrupted", "") if interrupted else judge(row)
        session.add(row)
    session.commit()
    return rows


def run_status(rows: Sequence[RunSite]) -> str | None:
    """The run's status from its sites: failed only when every site failed; None without sites."""
    if not rows:
        return None
    return "failed" if all(r.status == "failed" for r in rows) else "ok"


def of_runs(session: Session, run_ids: Iterable[int]) -> dict[int, list[RunSite]]:
    """Each run's site rows, by site name (runs without any are left out)."""
    ids = sorted(set(run_ids))
    found: dict[int, list[RunSite]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        stmt = select(RunSite).where(RunSite.run_id.in_(ids[i : i + 500])).order_by(RunSite.site)  # type: ignore[union-attr]
        for row in session.exec(stmt):
            found[row.run_id].append(row)
    return dict(found)


def counts(row: RunSite) -> dict[str, int]:
    """The row's counters in ``RUN_COUNTS`` order (what tables and the JSON report show)."""
    return {k: getattr(row, k) for k in RUN_COUNTS}
