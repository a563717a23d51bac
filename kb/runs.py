"""Runs: one crawl (or reextract / refresh) with its counts, its errors, and whether it is still alive.

Counters are bumped with ``UPDATE run SET n = n + 1`` so concurrent workers never lose a count. A crawl
run records its host, pid and boot, so a later crawl on the same machine can close a run whose process
died (SIGKILL, OOM killer, reboot) instead of showing it running forever.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from kb import clock
from kb.locks import insert_or_skip
from kb.models import FetchError, Run, RunSite

# A run's counters, in the order tables and reports show them.
RUN_COUNTS = (
    "fetched",
    "new",
    "changed",
    "unchanged",
    "not_modified",
    "gone",
    "failed",
    "duplicates",
    "conflicts",
    "off_topic",
    "robots_refused",
    "dead_links",
    "low_confidence",
    "no_answer",
)

# Outcome of an ingest -> the Run counter it bumps.
COUNTERS = {
    "new": "new",
    "changed": "changed",
    "unchanged": "unchanged",
    "not_modified": "not_modified",
    "gone": "gone",
    "failed": "failed",
    "off_topic": "off_topic",
    "duplicate": "duplicates",
    "conflict": "conflicts",
    "dead_link": "dead_links",
    "low_confidence": "low_confidence",  # kb.confidence: count(..., "low_confidence", fetched=False)
    "no_answer": "no_answer",
    "robots_refused": "robots_refused",  # the crawler's: count(session, run_id, "robots_refused", fetched=False)
}


def start_run(
    session: Session,
    kind: str = "crawl",
    *,
    spider: str | None = None,
    site: str | None = None,
    args: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Run:
    """A new Run, committed (so it has an id other processes can see)."""
    run = Run(
        kind=kind,
        spider=spider,
        site=site,
        started_at=now or clock.now(),
        args=json.dumps(args or {}, ensure_ascii=False, default=str),
    )
    session.add(run)
    session.commit()
    session.refresh(run)
    return run


def count(
    session: Session, run_id: int | None, outcome: str, *, fetched: bool = True, site: str | None = None
) -> None:
    """Bump the run's counter for ``outcome`` (and ``fetched``), and its ``site``'s, in the caller's transaction."""
    if run_id is None:
        return
    columns = [c for c in (COUNTERS.get(outcome), "fetched" if fetched else None) if c]
    if not columns:
        return
    session.execute(update(Run).where(Run.id == run_id).values({c: getattr(Run, c) + 1 for c in columns}))
    if site:
        _site_row(session, run_id, site)
        session.execute(
            update(RunSite)
            .where(RunSite.run_id == run_id, RunSite.site == site)
            .values({c: getattr(RunSite, c) + 1 for c in columns})
        )


def _site_row(session: Session, run_id: int, site: str) -> None:
    insert_or_skip(session, RunSite, {"run_id": run_id, "site": site}, ["run_id", "site"])


def mark_site(session: Session, run_id: int, site: str, status: str, reason: str | None = None) -> None:
    """Say how one site of a run ended (``ok`` | ``failed``, with why); the caller commits."""
    _site_row(session, run_id, site)
    session.execute(
        update(RunSite)
        .where(RunSite.run_id == run_id, RunSite.site == site)
        .values(status=status, reason=reason)
    )


def run_sites(session: Session, run_id: int) -> list[RunSite]:
    """The sites of a run with their counts, by name."""
    return list(session.exec(select(RunSite).where(RunSite.run_id == run_id).order_by(RunSite.site)).all())


def record_error(
    session: Session,
    run_id: int | None,
    url: str,
    kind: str,
    detail: str = "",
    *,
    now: datetime | None = None,
    site: str | None = None,
) -> None:
    """A FetchError row, and the run's (and its site's) ``errors`` {kind: count}, row-locked on PostgreSQL."""
    session.add(FetchError(run_id=run_id, url=url, kind=kind, detail=detail[:2000], at=now or clock.now()))
    if run_id is not None:
        run = session.exec(
            select(Run).where(Run.id == run_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        rows: list[Run | RunSite] = [run] if run is not None else []
        if site:
            _site_row(session, run_id, site)
            rows += session.exec(
                select(RunSite)
                .where(RunSite.run_id == run_id, RunSite.site == site)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()
        for row in rows:
            errors = json.loads(row.errors or "{}")
            errors[kind] = errors.get(kind, 0) + 1
            row.errors = json.dumps(errors, sort_keys=True)
            session.add(row)
    session.flush()


# Fault kinds no response came back for (crawler.spiders.base.failure_kind): not fetched, yet tried.
UNANSWERED = frozenset(
    {
        "connection",
        "dns",
        "timeout",
        "truncated",
        "too_large",
        "robots_unavailable",
        "redirect_loop",
        "offsite_redirect",
        "ignored",
        "error",
    }
)


def requests_made(row: Run | RunSite) -> int:
    """Fetched pages plus the requests that got no response: what "more than half failed" is of."""
    errors: dict[str, int] = json.loads(row.errors or "{}")
    return row.fetched + sum(n for kind, n in errors.items() if kind in UNANSWERED)


def run_status(run: Run) -> str:
    """ok, or failed when nothing was fetched or more than half of the requests failed."""
    if run.fetched == 0 or run.failed > requests_made(run) / 2:
        return "failed"
    return "ok"


def finish_run(
    session: Session, run_id: int, status: str | None = None, *, now: datetime | None = None
) -> Run:
    """Close the run (status by :func:`run_status` unless given) and commit."""
    run = session.exec(select(Run).where(Run.id == run_id).execution_options(populate_existing=True)).one()
    run.status = status or run_status(run)
    run.finished_at = now or clock.now()
    session.add(run)
    session.commit()
    session.refresh(run)
    return run


# --- liveness: a run whose process died -----------------------------------------------------


def boot_id() -> str:
    """This boot of this machine (Linux); '' elsewhere. A pid from an earlier boot names nothing."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def whoami() -> dict[str, object]:
    """What a run records so a later crawl on the same machine can tell it died."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "boot": boot_id()}


def close_abandoned_runs(s: Session, current: int | None) -> list[int]:
    """Mark ``interrupted`` the crawl runs this machine left ``running`` whose process is gone.

    A SIGKILL, the OOM killer or a reboot leaves no one to close a run: without this the KB shows it
    running forever. Only runs that recorded this host are judged (a worker elsewhere may be alive);
    their ``finished_at`` stays empty: nobody saw when they stopped.
    """
    me = whoami()
    closed = []
    for run in s.exec(select(Run).where(Run.status == "running", Run.kind == "crawl")).all():
        args = json.loads(run.args or "{}")
        if run.id == current or args.get("host") != me["host"] or not args.get("pid"):
            continue
        same_boot = args.get("boot") == me["boot"]
        if same_boot and process_alive(int(args["pid"])):
            continue
        args["abandoned"] = f"process {args['pid']} gone; noticed by run {current}"
        run.status = "interrupted"
        run.args = json.dumps(args, ensure_ascii=False, default=str)
        s.add(run)
        closed.append(run.id)
    s.commit()
    return closed


def latest_runs(session: Session, limit: int = 10) -> list[Run]:
    return list(session.exec(select(Run).order_by(Run.id.desc()).limit(limit)).all())


def run_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Run)).one()
