"""The editors' diff report as data: what happened to the KB between two runs.

Built only from Events, Versions, Flags and Runs (never by re-reading pages), so the report
of a past window says what the KB recorded then. The window is (from_run, to_run]: events of
every run after ``from_run`` up to and including ``to_run`` (refresh runs in between count), plus
events without a run (an editor's verify) timed inside it. By default, to_run is the last crawl
run and from_run the crawl run before it. ``since`` instead takes every event at or after a time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from kb.clock import db_time, generated_at, stamp
from kb.export import flag_names
from kb.models import Event, Flag, Run, Version
from kb.report.diff import char_diff, number_changes, summary_line
from kb.runs import RUN_COUNTS

REPORT_VERSION = 1
HEALTH_RUNS = 10
LISTS = ("added", "changed", "gone", "returned", "flagged", "cleared", "merged", "conflicts")


class ReportError(ValueError):
    """A window the KB cannot report on (unknown run, runs in the wrong order): one line for the CLI."""


def verify_command(entry_id: str) -> str:
    """What an editor runs once they checked the entry against the official source."""
    return f"kb verify {entry_id} --by NAME"


def _run_time(run: Run | None) -> datetime | None:
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


def _window_events(session: Session, frm: Run | None, to: Run | None, since: datetime | None) -> list[Event]:
    if since is not None:
        cond: Any = Event.at >= since
    else:
        by_run = [Event.run_id.is_not(None)]  # type: ignore[union-attr]
        by_time = [Event.run_id.is_(None)]  # type: ignore[union-attr]
        if frm is not None:
            by_run.append(Event.run_id > frm.id)  # type: ignore[operator]
            if _run_time(frm) is not None:
                by_time.append(Event.at > _run_time(frm))  # type: ignore[operator]
        if to is not None:
            by_run.append(Event.run_id <= to.id)  # type: ignore[operator]
            if to.finished_at is not None:
                by_time.append(Event.at <= to.finished_at)  # type: ignore[operator]
        cond = or_(and_(*by_run), and_(*by_time))
    return list(session.scalars(select(Event).where(cond).order_by(Event.id)).all())  # type: ignore[arg-type]


def _versions(session: Session, ids: Iterable[str]) -> dict[str, list[Version]]:
    """Every version of these entries, oldest first: the report's source of questions and answers."""
    ids = sorted(set(ids))
    found: dict[str, list[Version]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        stmt = (
            select(Version)
            .where(Version.entry_id.in_(ids[i : i + 500]))  # type: ignore[attr-defined]
            .order_by(Version.entry_id, Version.number)
        )
        for v in session.scalars(stmt):
            found[v.entry_id].append(v)
    return found


def _site(url: str) -> str:
    from sites import profiles  # site profiles (no Scrapy): the same naming the crawl uses

    return profiles.for_url(url).name if url else ""


def _open_flags(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        stmt = select(Flag.entry_id, Flag.name).where(
            Flag.entry_id.in_(ids[i : i + 500]),  # type: ignore[attr-defined]
            Flag.cleared_at.is_(None),  # type: ignore[union-attr]
        )
        for entry_id, name in session.execute(stmt):
            names[entry_id].add(name)
    return {k: sorted(v) for k, v in names.items()}


def _detail(event: Event) -> dict[str, Any]:
    try:
        value = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _run_dict(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": run.id,
        "kind": run.kind,
        "spider": run.spider,
        "site": run.site,
        "status": run.status,
        "started_at": stamp(run.started_at),
        "finished_at": stamp(run.finished_at),
    }
    out.update({k: getattr(run, k) for k in RUN_COUNTS})
    return out


def _window_runs(session: Session, frm: Run | None, to: Run | None, since: datetime | None) -> list[Run]:
    stmt = select(Run).order_by(Run.id)  # type: ignore[arg-type]
    if since is not None:
        stmt = stmt.where(or_(Run.started_at >= since, Run.finished_at >= since))  # type: ignore[operator]
    else:
        if frm is not None:
            stmt = stmt.where(Run.id > frm.id)  # type: ignore[operator]
        if to is not None:
            stmt = stmt.where(Run.id <= to.id)  # type: ignore[operator]
    return list(session.scalars(stmt).all())


def health(session: Session, to: Run | None, last: int = HEALTH_RUNS) -> dict[str, Any]:
    """Entries and open flags by name after each of the last crawl runs (the report's chart)."""
    stmt = select(Run).where(Run.kind == "crawl")
    if to is not None:
        stmt = stmt.where(Run.id <= to.id)  # type: ignore[operator]
    runs = list(reversed(session.scalars(stmt.order_by(Run.id.desc()).limit(last)).all()))  # type: ignore[union-attr]
    names = flag_names()
    extra = sorted(
        set(session.execute(select(Flag.name).distinct()).scalars()) - set(names)  # type: ignore[arg-type]
    )
    names += extra
    # Entries present after run R: added - gone + returned over runs up to R (from Events only).
    deltas: dict[int, int] = defaultdict(int)
    rows = session.execute(
        select(Event.run_id, Event.kind, func.count())
        .where(Event.kind.in_(("added", "gone", "returned")), Event.run_id.is_not(None))  # type: ignore[attr-defined, union-attr]
        .group_by(Event.run_id, Event.kind)
    ).all()
    for run_id, kind, n in rows:
        deltas[run_id] += -n if kind == "gone" else n
    points = []
    for run in runs:
        t = _run_time(run)
        raised = or_(
            and_(Flag.raised_run_id.is_not(None), Flag.raised_run_id <= run.id),  # type: ignore[union-attr, operator]
            and_(Flag.raised_run_id.is_(None), Flag.raised_at <= t),  # type: ignore[union-attr, operator]
        )
        still_open = or_(
            Flag.cleared_at.is_(None),  # type: ignore[union-attr]
            and_(Flag.cleared_run_id.is_not(None), Flag.cleared_run_id > run.id),  # type: ignore[union-attr, operator]
            and_(Flag.cleared_run_id.is_(None), Flag.cleared_at > t),  # type: ignore[union-attr, operator]
        )
        counts = dict(
            session.execute(
                select(Flag.name, func.count(func.distinct(Flag.entry_id)))
                .where(raised, still_open)
                .group_by(Flag.name)
            ).all()
        )
        points.append(
            {
                "run": run.id,
                "at": stamp(t),
                "status": run.status,
                "entries": sum(n for rid, n in deltas.items() if rid <= run.id),  # type: ignore[operator]
                "flags": {name: int(counts.get(name, 0)) for name in names},
            }
        )
    return {"flags": names, "runs": points}


def build_report(
    session: Session,
    from_run: int | None = None,
    to_run: int | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict (see the module doc for the window)."""
    frm, to = resolve_window(session, from_run, to_run, since)
    since = db_time(since)
    events = _window_events(session, frm, to, since)
    ids = {e.entry_id for e in events}
    for event in events:
        other = _detail(event).get("other_entry") if event.kind == "conflict" else None
        if isinstance(other, str):
            ids.add(other)
    history = _versions(session, ids)
    until = to.finished_at if to is not None else None

    def version(entry_id: str, number: int | None) -> Version | None:
        return next((v for v in history.get(entry_id, []) if v.number == number), None)

    def head(entry_id: str) -> Version | None:
        """The entry's newest version as of the window's end (the report describes that moment)."""
        made = [v for v in history.get(entry_id, []) if until is None or v.created_at <= until]
        return made[-1] if made else None

    by_kind: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_kind[event.kind].append(event)
    added_ids = {e.entry_id for e in by_kind["added"]}
    # The newest version each entry reached inside the window, and where each change started.
    latest: dict[str, int] = {}
    first_from: dict[str, int] = {}
    reasons: dict[str, set[str]] = defaultdict(set)
    for event in by_kind["changed"]:
        reason = _detail(event).get("reason")
        if isinstance(reason, str) and reason:
            reasons[event.entry_id].add(reason)
    for event in by_kind["added"] + by_kind["changed"]:
        if event.version_to is not None:
            latest[event.entry_id] = max(latest.get(event.entry_id, 0), event.version_to)
        if event.kind == "changed" and event.version_from is not None:
            prev = first_from.get(event.entry_id)
            first_from[event.entry_id] = event.version_from if prev is None else min(prev, event.version_from)
    flags_now = _open_flags(session, sorted(ids))

    def base(entry_id: str, url: str | None = None) -> dict[str, Any]:
        v = head(entry_id)
        url = url or (v.source_url if v else "")
        return {"id": entry_id, "question": v.question if v else "", "url": url, "site": _site(url)}

    report: dict[str, Any] = {name: [] for name in LISTS}
    for entry_id in sorted(added_ids):
        event = next(e for e in by_kind["added"] if e.entry_id == entry_id)
        number = latest.get(entry_id, event.version_to or 1)
        reached = version(entry_id, number)
        item = base(entry_id, event.url)
        if reached is not None:
            item["question"] = reached.question
        item.update(
            {
                "version": number,
                "answer": reached.answer if reached else "",
                "has_verification_disclaimer": bool(reached and reached.has_verification_disclaimer),
                "flags": flags_now.get(entry_id, []),
                "verify": verify_command(entry_id),
            }
        )
        report["added"].append(item)

    for entry_id in sorted({e.entry_id for e in by_kind["changed"]} - added_ids):
        old = version(entry_id, first_from.get(entry_id))
        new = version(entry_id, latest.get(entry_id))
        old_answer = old.answer if old else ""
        new_answer = new.answer if new else ""
        diff = char_diff(old_answer, new_answer)
        numbers = number_changes(old_answer, new_answer)
        question_changed = bool(old and new and old.question != new.question)
        item = base(entry_id, new.source_url if new else None)
        if new is not None:
            item["question"] = new.question
        item.update(
            {
                "version_from": first_from.get(entry_id),
                "version_to": latest.get(entry_id),
                "old_question": old.question if old else "",
                "new_question": new.question if new else "",
                "question_diff": char_diff(old.question, new.question) if question_changed else None,  # type: ignore[union-attr]
                "old_answer": old_answer,
                "new_answer": new_answer,
                "reasons": sorted(reasons.get(entry_id, ())),
                "diff": diff,
                "numbers": numbers,
                "summary": summary_line(numbers),
                "disclaimer": {
                    "old": bool(old and old.has_verification_disclaimer),
                    "new": bool(new and new.has_verification_disclaimer),
                },
                "flags": flags_now.get(entry_id, []),
                "verify": verify_command(entry_id),
            }
        )
        report["changed"].append(item)

    for kind, key in (("gone", "gone"), ("returned", "returned")):
        for entry_id in sorted({e.entry_id for e in by_kind[kind]}):
            event = next(e for e in by_kind[kind] if e.entry_id == entry_id)
            last = head(entry_id)
            item = base(entry_id, event.url)
            item["version"] = last.number if last else None
            if kind == "gone":
                item["answer"] = last.answer if last else ""
            item["verify"] = verify_command(entry_id)
            report[key].append(item)

    for kind, key in (("flag_raised", "flagged"), ("flag_cleared", "cleared")):
        seen: set[tuple[str, str]] = set()
        items = []
        for event in by_kind[kind]:
            detail = _detail(event)
            name = str(detail.get("flag") or "")
            if not name or (event.entry_id, name) in seen:
                continue
            seen.add((event.entry_id, name))
            item = base(event.entry_id)
            item.update({"flag": name, "reason": str(detail.get("reason") or "")})
            if key == "flagged":
                item["verify"] = verify_command(event.entry_id)
            items.append(item)
        report[key] = sorted(items, key=lambda i: (i["flag"], i["id"]))

    for event in by_kind["merged"]:
        detail = _detail(event)
        item = base(event.entry_id)
        item.update(
            {
                "source_url": str(detail.get("source_url") or event.url or ""),
                "similarity": detail.get("similarity"),
            }
        )
        report["merged"].append(item)
    report["merged"].sort(key=lambda i: (i["id"], i["source_url"]))

    for event in by_kind["conflict"]:
        detail = _detail(event)
        item = base(event.entry_id, str(detail.get("url") or event.url or "") or None)
        other_id = detail.get("other_entry")
        other = head(other_id) if isinstance(other_id, str) else None
        item["other_entry"] = {
            "id": other_id if isinstance(other_id, str) else None,
            "question": other.question if other else "",
            "url": other.source_url if other else "",
        }
        item["verify"] = verify_command(event.entry_id)
        report["conflicts"].append(item)
    report["conflicts"].sort(key=lambda i: (i["id"], i["url"]))

    runs = _window_runs(session, frm, to, since)
    crawls = [r for r in runs if r.kind == "crawl"]
    summary: dict[str, Any] = {name: len(report[name]) for name in LISTS}
    summary["numbers_changed"] = sum(len(c["numbers"]) for c in report["changed"])
    summary["runs"] = len(runs)
    summary.update(
        {f"run_{k}": sum(getattr(r, k) for r in crawls) for k in ("fetched", "not_modified", "failed")}
    )
    summary["line"] = headline(report)

    return {
        "report_version": REPORT_VERSION,
        "generated_at": stamp(to.finished_at) if to is not None and to.finished_at else generated_at(session),
        "window": {
            "from_run": frm.id if frm else None,
            "to_run": to.id if to else None,
            "since": stamp(since),
            "from": stamp(_run_time(frm)) if since is None else stamp(since),
            "to": stamp(to.finished_at) if to else None,
        },
        "summary": summary,
        **report,
        "runs": [_run_dict(r) for r in runs],
        "health": health(session, to),
    }


def headline(report: dict[str, Any]) -> str:
    """One line for a chat message or a mail subject: counts, and the numbers that changed."""
    parts = []
    for name, label in (
        ("added", "added"),
        ("changed", "changed"),
        ("gone", "gone"),
        ("returned", "returned"),
        ("merged", "merged"),
        ("conflicts", "conflicts"),
        ("flagged", "flags raised"),
        ("cleared", "flags cleared"),
    ):
        n = len(report[name])
        if n or name in ("added", "changed", "gone"):
            parts.append(f"{n} {label}")
    line = ", ".join(parts)
    numbers = [c["summary"] for c in report["changed"] if c["summary"]]
    if numbers:
        line += " — " + "; ".join(numbers)
    return line
