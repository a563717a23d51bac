"""The report as JSON: ``kb report --format json``, a contract (DESIGN.md) that scripts and cron read.

Keys come in the dataclasses' field order; the few nested dicts of the contract are flattened here:
the summary's per-section counts and a run's counts sit beside their other fields, the window's
bounds are "from" and "to", and each section is a top-level list between the summary and the runs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from kb.report.model import Report, RunRow, Summary, Window


def window_dict(w: Window) -> dict[str, Any]:
    return {"from_run": w.from_run, "to_run": w.to_run, "since": w.since, "from": w.start, "to": w.end}


def summary_dict(s: Summary) -> dict[str, Any]:
    out: dict[str, Any] = dict(s.counts)
    out.update(asdict(s))
    del out["counts"]
    return out


def run_dict(r: RunRow) -> dict[str, Any]:
    out = asdict(r)
    del out["counts"]
    return {**out, **r.counts}


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (diff ops are tuples: JSON writes them as lists)."""
    return {
        "report_version": report.report_version,
        "generated_at": report.generated_at,
        "window": window_dict(report.window),
        "summary": summary_dict(report.summary),
        **{s.key: [asdict(item) for item in s.items] for s in report.sections},
        "runs": [run_dict(r) for r in report.runs],
        "health": asdict(report.health),
    }


def render_json(report: Report) -> str:
    """The report as JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
