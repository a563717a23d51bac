"""The report as Markdown for a chat message or an e-mail digest.

Short by design: each changed entry shows only the edited stretches of its diff (capped), each
list is capped, and a pointer says where the full HTML report is. Page text is escaped for
Markdown (a question cannot open a link or inject HTML), diffs sit in code fences longer than any
backtick run they contain, and only http(s) URLs become links.

A section's items show as one line each (``head``) unless ``LINES`` has a function for its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kb.diff import KEPT, excerpt, widen_numbers, word_diff
from kb.report.model import (
    Added,
    Alarm,
    Changed,
    Cleared,
    Conflict,
    EntryItem,
    ExtractionCheck,
    Merged,
    Report,
    RunRow,
)
from kb.report.render_html import safe_href

MAX_ITEMS = 30
DIFF_CHARS = 500
# Brackets are escaped, so parentheses can never complete a link; "-", "+", "#" only act at the
# start of a line, and page text never starts one.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~&])")


def md(text: Any) -> str:
    """Plain text, one line, every Markdown/HTML-active ASCII character backslash-escaped."""
    flat = " ".join(str("" if text is None else text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_link(url: Any, text: Any) -> str:
    href = safe_href(url)
    if href is None:
        return md(text)
    href = href.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"[{md(text)}](<{href}>)"


def fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}\n{body}\n{ticks}"


def diff_text(ops: list, limit: int = DIFF_CHARS) -> tuple[str, bool]:
    """The edited stretches in git word-diff style: [-old-]{+new+}; True when cut at ``limit``."""
    short, truncated = excerpt(ops, limit=limit)
    return word_diff(short), truncated


@dataclass
class Digest:
    """Where full diffs are (``where``) and whether anything was cut, so the digest can say so."""

    where: str
    capped: bool = False


def head(item: EntryItem, _: Digest | None = None) -> list[str]:
    return [f"- **{md_link(item.url, item.question)}** `{item.id}`"]


def changed(item: Changed, digest: Digest) -> list[str]:
    line = head(item)[0] + f" v{item.version_from} → v{item.version_to}"
    if item.summary:
        line += f" — {md(item.summary)}"
    out = [line]
    if item.disclaimer.old != item.disclaimer.new:
        out.append(f"  - disclaimer {'removed' if item.disclaimer.old else 'added'}")
    shown = widen_numbers(item.diff)
    text, truncated = diff_text(shown)
    if any(kind != KEPT for kind, _ in shown):
        out.extend("  " + line for line in fence(text).splitlines())
    if truncated:
        digest.capped = True
        out.append(f"  - diff cut short: full diff in {digest.where}")
    out.append(f"  - verify: `{item.verify}`")
    return out


def added(item: Added, _: Digest) -> list[str]:
    flags = ", ".join(f"`{f}`" for f in item.flags)
    return [head(item)[0] + (f" — flags: {flags}" if flags else "")]


def flag(item: Cleared, _: Digest) -> list[str]:
    return [head(item)[0] + f" — `{item.flag}`: {md(item.reason)}"]


def merged(item: Merged, _: Digest) -> list[str]:
    return [head(item)[0] + f" ← {md_link(item.source_url, item.source_url)}"]


def conflict(item: Conflict, _: Digest) -> list[str]:
    return [head(item)[0] + f" ≠ `{item.other_entry.id}` {md(item.other_entry.question)}"]


def alarm(item: Alarm, digest: Digest) -> list[str]:
    state = {"suspect": "held back as suspect", "": "nothing held back"}.get(item.held, item.held)
    out = [f"- **run #{item.run} {md(item.site)}**: {md(item.reason)} — {item.versions} version(s) {state}"]
    if item.held == "suspect":
        out.append(f"  - release: `{item.accept}` · drop: `{item.reject}`")
    for s in item.samples[:1]:
        out.append(f"  - {md_link(s.url, s.question)} `{s.id}` v{s.version_from} → v{s.version_to}:")
        text, truncated = diff_text(widen_numbers(s.diff), limit=DIFF_CHARS // 2)
        out.extend("    " + line for line in fence(text).splitlines())
        digest.capped = digest.capped or truncated
    return out


def extraction_check(item: ExtractionCheck, _: Digest) -> list[str]:
    why = f" — {md(item.detail)}" if item.detail else ""
    return [
        f"- {md_link(item.url, item.question or item.url)} · {item.kind.replace('_', ' ')}"
        f" · {md(item.method or 'none')} {item.confidence:.2f}{why}"
    ]


LINES: dict[str, Callable[[Any, Digest], list[str]]] = {
    "alarms": alarm,
    "extraction_check": extraction_check,
    "changed": changed,
    "added": added,
    "flagged": flag,
    "cleared": flag,
    "merged": merged,
    "conflicts": conflict,
}


def site_lines(run: RunRow) -> list[str]:
    """A run's sites as a Markdown table: a failed one shows why."""
    cols = ("fetched", "new", "changed", "failed")
    lines = [f"Sites of run #{run.id}:", "", f"| site | status | {' | '.join(cols)} | why |", "|---|---|" + "---:|" * len(cols) + "---|"]
    for s in run.sites:
        status = f"**{s.status}**" if s.status == "failed" else s.status
        counts = " | ".join(str(s.counts[c]) for c in cols)
        why = "; ".join(x for x in (s.reason, f"alarm: {s.alarm}" if s.alarm else "") if x)
        lines.append(f"| {md(s.site)} | {status} | {counts} | {md(why)} |")
    return [*lines, ""]


def render_markdown(report: Report, html_name: str | None = None) -> str:
    """The digest; ``html_name`` (e.g. report.html) is where full diffs are said to be."""
    digest = Digest(f"`{html_name}`" if html_name else "the HTML report (`kb report --format html`)")
    lines = [f"# {report.window.title}", "", f"**{md(report.summary.line)}**", ""]
    for section in report.shown():
        if not section.items:
            continue
        lines.extend([f"## {section.heading} ({len(section.items)})", ""])
        render = LINES.get(section.key, head)
        for item in section.items[:MAX_ITEMS]:
            lines.extend(render(item, digest))
        if len(section.items) > MAX_ITEMS:
            digest.capped = True
            lines.append(f"- … and {len(section.items) - MAX_ITEMS} more in {digest.where}")
        lines.append("")
    if report.runs:
        lines.append(
            "Runs: "
            + "; ".join(
                f"#{r.id} {r.kind} {r.status} fetched {r.counts['fetched']}, "
                f"304 {r.counts['not_modified']}, failed {r.counts['failed']}"
                for r in report.runs
            )
        )
        lines.append("")
    for run in report.runs:
        if run.sites:
            lines.extend(site_lines(run))
    full = f"Full report with diffs and the health chart: {digest.where}."
    lines.append(full if digest.capped or html_name else "")
    return "\n".join(lines).rstrip() + "\n"
