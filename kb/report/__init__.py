"""The editors' diff report: ``build_report`` makes it as typed data (``model``), three renderers write it.

``sections`` says how to add a section; ``kb.diff`` is the diff every renderer draws.
"""

from __future__ import annotations

from kb.report.build import build_report
from kb.report.model import Report
from kb.report.render_html import render_html
from kb.report.render_json import render_json
from kb.report.render_md import render_markdown
from kb.report.window import ReportError

__all__ = ["Report", "ReportError", "build_report", "render_html", "render_json", "render_markdown"]
