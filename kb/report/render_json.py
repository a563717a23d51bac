"""The report as JSON: ``kb report --format json``, a contract (DESIGN.md) that scripts and cron read.

Keys come in the dataclasses' field order; the few nested dicts of the contract are flattened here:
the summary's per-section counts and a run's counts sit beside their other fields, the window's
bounds are "from" and "to", and each section is a top-level list between the summary and the runs.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

from kb.report.model import Report, RunRow, Summary, Window


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def plain(value: Any) -> Any:
    """Dataclasses (at any depth) as dicts in field order; everything else as is, uncopied.

    Not ``dataclasses.asdict``: that deep-copies every list, and a first crawl's report carries tens
    of thousands of entries and diff ops (which json writes as lists, being tuples).
    """
    if is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _names(type(value))}
    if isinstance(value, list) and value and is_dataclass(value[0]):
        return [plain(v) for v in value]
    return value


def window_dict(w: Window) -> dict[str, Any]:
    return {"from_run": w.from_run, "to_run": w.to_run, "since": w.since, "from": w.start, "to": w.end}


def summary_dict(s: Summary) -> dict[str, Any]:
    out: dict[str, Any] = dict(s.counts)
    out.update(plain(s))
    del out["counts"]
    return out


def run_dict(r: RunRow) -> dict[str, Any]:
    """A run's fields with its counts beside them; its sites (each with its counts beside) last."""
    out = plain(r)
    del out["counts"]
    sites = [
        {"site": s.site, "status": s.status, "reason": s.reason, **s.counts, "errors": s.errors}
        | {"alarm": s.alarm, "held": s.held}
        for s in r.sites
    ]
    del out["sites"]
    return {**out, **r.counts, "sites": sites}


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (diff ops are tuples: JSON writes them as lists)."""
    return {
        "report_version": report.report_version,
        "generated_at": report.generated_at,
        "window": window_dict(report.window),
        "summary": summary_dict(report.summary),
        **{s.key: [plain(item) for item in s.items] for s in report.sections},
        "runs": [run_dict(r) for r in report.runs],
        "health": plain(report.health),
    }


def render_json(report: Report) -> str:
    """The report as JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
