"""The editors' diff report as data: what happened to the KB between two runs (see ``window`` for which).

``build_report`` reads the window's facts once (``window.read_facts``), runs every registered section
(``sections``) over them, and adds the summary, the runs and the health chart's data.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from kb import run_sites, runs
from kb.clock import generated_at, stamp
from kb.models import Run, RunSite
from kb.report import sections as registry
from kb.report.health import health
from kb.report.model import ALARMS, Changed, Report, RunRow, Section, SiteRow, Summary, Window
from kb.report.window import Facts, read_facts, run_time
from kb.runs import RUN_COUNTS

REPORT_VERSION = 1
HEADLINE_LAST = ("flagged", "cleared")  # flag counts close the headline, after what happened to entries


def window(facts: Facts) -> Window:
    frm, to, since = facts.frm, facts.to, facts.since
    return Window(
        from_run=frm.id if frm else None,
        to_run=to.id if to else None,
        since=stamp(since),
        start=stamp(run_time(frm)) if since is None else stamp(since),
        end=stamp(to.finished_at) if to else None,
    )


def run_row(run: Run, sites: list[RunSite] | None = None) -> RunRow:
    assert run.id is not None
    return RunRow(
        id=run.id,
        kind=run.kind,
        spider=run.spider,
        site=run.site,
        status=run.status,
        started_at=stamp(run.started_at),
        finished_at=stamp(run.finished_at),
        counts={k: getattr(run, k) for k in RUN_COUNTS},
        sites=[
            SiteRow(
                r.site,
                r.status,
                r.reason or "",
                run_sites.counts(r),
                json.loads(r.errors or "{}"),
                r.alarm or "",
                r.held or "",
            )
            for r in sites or []
        ],
    )


def changed_items(sections: list[Section]) -> list[Changed]:
    return next((s.items for s in sections if s.key == "changed"), [])


def headline(sections: list[Section]) -> str:
    """One line for a chat message or a mail subject: counts, and the numbers that changed."""
    ordered = sorted(sections, key=lambda s: (s.key != ALARMS, s.key in HEADLINE_LAST))
    line = ", ".join(f"{len(s.items)} {s.noun}" for s in ordered if s.items or s.always)
    numbers = [c.summary for c in changed_items(sections) if c.summary]
    if numbers:
        line += " — " + "; ".join(numbers)
    return line


def summary(sections: list[Section], runs: list[Run]) -> Summary:
    crawls = [r for r in runs if r.kind == "crawl"]
    return Summary(
        counts={s.key: len(s.items) for s in sections},
        numbers_changed=sum(len(c.numbers) for c in changed_items(sections)),
        runs=len(runs),
        run_fetched=sum(r.fetched for r in crawls),
        run_not_modified=sum(r.not_modified for r in crawls),
        run_failed=sum(r.failed for r in crawls),
        line=headline(sections),
    )


def build_report(
    session: Session,
    from_run: int | None = None,
    to_run: int | None = None,
    since: datetime | None = None,
) -> Report:
    """The report of the window (the last crawl run against the one before, by default)."""
    facts = read_facts(session, from_run, to_run, since)
    sections = [
        Section(spec.key, spec.heading, spec.noun, spec.build(facts), spec.always, spec.lead)
        for spec in registry.SECTIONS
    ]
    to = facts.to
    rows = [run_row(r, runs.run_sites(session, r.id) if r.id is not None else []) for r in facts.runs]
    told = summary(sections, facts.runs)
    told.sites_failed = sorted({s.site for r in rows if r.kind == "crawl" for s in r.sites if s.status == "failed"})
    return Report(
        report_version=REPORT_VERSION,
        generated_at=stamp(to.finished_at) if to is not None and to.finished_at else generated_at(session),
        window=window(facts),
        summary=told,
        sections=sections,
        runs=rows,
        health=health(session, to),
    )
