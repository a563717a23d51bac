"""The report as one self-contained HTML file: inline CSS, no script, readable on a phone.

Everything in the report that came from a page (questions, answers, URLs, flag reasons) is hostile:
the Jinja templates (``templates/``) autoescape every value, so escaping is the default rather than a
habit, and a URL becomes a link only when ``safe_href`` finds it plain http(s) (a ``javascript:`` or
``data:`` URL is shown as inert text). A Content-Security-Policy that allows no script at all backs
this up should anything slip through.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from kb.diff import Op, excerpt, widen_numbers
from kb.report.chart import layout
from kb.report.model import Health, Report

MAX_ITEMS = 300  # per section
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
RUN_COLUMNS = ("fetched", "new", "changed", "unchanged", "not_modified", "gone", "failed")  # of RUN_COUNTS

_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")


def safe_href(url: Any) -> str | None:
    """The URL if it is plain http(s) with a host, else None (then it is shown, never linked).

    Browsers drop tabs and newlines inside URLs (``java\\tscript:``), so those are removed before
    the scheme is checked, and a URL that needed it is refused outright.
    """
    if not isinstance(url, str) or not url:
        return None
    cleaned = url.strip()
    if _UNSAFE_URL_CHARS.search(cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return cleaned


def around_edits(ops: list[Op], context: int) -> list[Op]:
    """The ops with long unchanged stretches cut to ``context`` characters (never capped)."""
    return excerpt(ops, context=context, limit=10**9)[0]


@cache
def environment() -> Environment:
    """The report's Jinja environment: autoescape on, a missing attribute an error, None printed as ""."""
    env = Environment(
        loader=PackageLoader("kb.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=lambda value: "" if value is None else value,
    )
    env.filters.update(safe_href=safe_href, shown=widen_numbers, around_edits=around_edits)
    return env


def render_html(report: Report) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    return (
        environment()
        .get_template("report.html")
        .render(
            report=report,
            sections=report.shown(),
            chart=layout(report.health),
            csp=CSP,
            max_items=MAX_ITEMS,
            run_columns=RUN_COLUMNS,
        )
    )


def chart_html(health: Health) -> Markup:
    """The health chart alone (inline SVG and its legend), for a page other than the report."""
    return Markup(environment().get_template("chart.html").render(chart=layout(health)))
