"""The editors' diff report: ``build_report`` (data) and its HTML, Markdown and JSON renderings."""

from __future__ import annotations

import json
from typing import Any

from kb.report.build import ReportError, build_report
from kb.report.render_html import render_html
from kb.report.render_md import render_markdown


def render_json(report: dict[str, Any]) -> str:
    """The report as JSON (keys in build order, UTF-8 text, not ASCII-escaped)."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


__all__ = ["ReportError", "build_report", "render_html", "render_json", "render_markdown"]
