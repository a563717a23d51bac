"""How each site of a crawl run ended: ok, or failed with a one-line why, so one failing site fails alone.

A night crawls many sites in one run. Ingest counts each site's share (``kb.runs.count(..., site=)``,
``RunSite`` rows); when the crawl closes, :func:`finish` judges each site by the run's own rule and
records it (``kb.runs.mark_site``). A site whose robots.txt answers 500, whose every page answers 5xx or
whose server refuses connections is ``failed`` while the others finish; the run itself fails only when
every site failed. ``kb crawl``'s exit code, ``kb report``'s sites table and the editors' app read these. Closing a run also
judges each site for the template-change alarm (``kb.suspect.close``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from sqlmodel import Session

from kb import runs, suspect
from kb.models import RunSite

# Errors that say the site itself could not be crawled tonight (not one bad page), commonest first.
SITE_DOWN = {
    "robots_unavailable": "robots.txt unavailable",
    "connection": "connection failed",
    "dns": "host not found",
    "timeout": "timed out",
}


def judge(row: RunSite) -> tuple[str, str | None]:
    """(status, why) of one site's share of a run: ``kb.runs.run_status``'s rule, per site.

    A site with nothing to do (no fetch, no fault: a refresh with nothing due) is ok. A site that
    fetched nothing, or whose fetches failed more than half the time, failed; the reason names a
    site-wide fault first (robots.txt unavailable, connection refused), else the commonest one.
    """
    errors: dict[str, int] = json.loads(row.errors or "{}")
    if row.fetched == 0 and row.robots_refused:
        return "failed", f"robots.txt disallows every page asked for ({row.robots_refused} refused)"
    if row.fetched == 0 and not errors:
        return "ok", "nothing to fetch"
    if row.fetched > 0 and row.failed <= runs.requests_made(row) / 2:
        return "ok", None
    down = [kind for kind in SITE_DOWN if errors.get(kind)]
    if down:
        return "failed", f"{SITE_DOWN[down[0]]} (x{errors[down[0]]}; {row.fetched} fetched)"
    if not errors:
        return "failed", "nothing fetched"
    kind, n = max(errors.items(), key=lambda kv: (kv[1], kv[0]))
    return "failed", f"{row.failed} of {runs.requests_made(row)} requests failed (most: {kind} x{n})"


def start(session: Session, run_id: int, sites: Iterable[str]) -> None:
    """A ``running`` row for each site the crawl sets out to fetch, so a site that yields nothing shows."""
    for site in sorted(set(sites)):
        runs.mark_site(session, run_id, site, "running")


def finish(
    session: Session, run_id: int, *, interrupted: bool = False, budget_reached: Mapping[str, int] | None = None
) -> list[RunSite]:
    """Judge and record every site of the run; commit. A run stopped before its end leaves its sites
    ``interrupted``: what they did not fetch says nothing about them. A site that had its page budget
    (``budget_reached``: site -> pages) says so in its reason: it was cut short, not finished."""
    rows, budget = runs.run_sites(session, run_id), budget_reached or {}
    for row in rows:
        session.refresh(row)
        status, reason = ("interrupted", None) if interrupted else judge(row)
        if row.site in budget:
            reason = "; ".join(filter(None, [reason, budget_note(budget[row.site])]))
        runs.mark_site(session, run_id, row.site, status, reason)
    session.commit()
    if not interrupted:  # a whole night's changes: a redesign or a broken extraction holds them back
        suspect.close(session, run_id)
    return runs.run_sites(session, run_id)


def budget_note(pages: int) -> str:
    """The reason a site was cut short by its page budget (profile ``max_pages``, KB_SITE_MAX_PAGES)."""
    return f"page budget reached ({pages} pages)"


def run_status(rows: Sequence[RunSite]) -> str | None:
    """The run's status from its sites: failed only when every site failed; None without sites."""
    if not rows:
        return None
    return "failed" if all(r.status == "failed" for r in rows) else "ok"


def counts(row: RunSite) -> dict[str, int]:
    """The row's counters in ``kb.runs.RUN_COUNTS`` order (what tables and the JSON report show)."""
    return {k: getattr(row, k) for k in runs.RUN_COUNTS}
