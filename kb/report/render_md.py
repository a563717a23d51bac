"""The report as Markdown for a chat message or an e-mail digest.

Short by design: each changed entry shows only the edited stretches of its diff (capped), each
list is capped, and a pointer says where the full HTML report is. Page text is escaped for
Markdown (a question cannot open a link or inject HTML), diffs sit in code fences longer than any
backtick run they contain, and only http(s) URLs become links.
"""

from __future__ import annotations

import re
from typing import Any

from kb.report.diff import excerpt, widen_numbers
from kb.report.render_html import safe_href, title

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


def diff_text(diff: list[list[str]], limit: int = DIFF_CHARS) -> tuple[str, bool]:
    """The edited stretches in git word-diff style: [-old-]{+new+}."""
    ops, truncated = excerpt(diff, limit=limit)
    out = []
    for op, text in ops:
        out.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}" if op == "+" else text)
    return "".join(out), truncated


def _head(item: dict[str, Any]) -> str:
    return f"- **{md_link(item.get('url'), item.get('question'))}** `{item['id']}`"


def render_markdown(report: dict[str, Any], html_name: str | None = None) -> str:
    """The digest; ``html_name`` (e.g. report.html) is where full diffs are said to be."""
    where = f"`{html_name}`" if html_name else "the HTML report (`kb report --format html`)"
    summary = report.get("summary") or {}
    lines = [f"# {title(report)}", "", f"**{md(summary.get('line', ''))}**", ""]
    capped = False

    def section(key: str, label: str, render) -> None:  # type: ignore[no-untyped-def]
        nonlocal capped
        items = report.get(key) or []
        if not items:
            return
        lines.extend([f"## {label} ({len(items)})", ""])
        for item in items[:MAX_ITEMS]:
            lines.extend(render(item))
        if len(items) > MAX_ITEMS:
            capped = True
            lines.append(f"- … and {len(items) - MAX_ITEMS} more in {where}")
        lines.append("")

    def changed(item: dict[str, Any]) -> list[str]:
        nonlocal capped
        head = _head(item) + f" v{item.get('version_from')} → v{item.get('version_to')}"
        if item.get("summary"):
            head += f" — {md(item['summary'])}"
        out = [head]
        disc = item.get("disclaimer") or {}
        if disc.get("old") != disc.get("new"):
            out.append(f"  - disclaimer {'removed' if disc.get('old') else 'added'}")
        diff = widen_numbers(item.get("diff") or [])
        text, truncated = diff_text(diff)
        if any(op != "=" for op, _ in diff):
            out.extend("  " + line for line in fence(text).splitlines())
        if truncated:
            capped = True
            out.append(f"  - diff cut short: full diff in {where}")
        out.append(f"  - verify: `{item['verify']}`")
        return out

    def added(item: dict[str, Any]) -> list[str]:
        flags = ", ".join(f"`{f}`" for f in item.get("flags") or [])
        return [_head(item) + (f" — flags: {flags}" if flags else "")]

    def gone(item: dict[str, Any]) -> list[str]:
        return [_head(item)]

    def flag(item: dict[str, Any]) -> list[str]:
        return [_head(item) + f" — `{item['flag']}`: {md(item.get('reason'))}"]

    def merged(item: dict[str, Any]) -> list[str]:
        return [_head(item) + f" ← {md_link(item.get('source_url'), item.get('source_url'))}"]

    def conflict(item: dict[str, Any]) -> list[str]:
        other = item.get("other_entry") or {}
        return [_head(item) + f" ≠ `{other.get('id')}` {md(other.get('question'))}"]

    section("changed", "Changed", changed)
    section("added", "New", added)
    section("gone", "Gone", gone)
    section("returned", "Back again", gone)
    section("flagged", "Flags raised", flag)
    section("cleared", "Flags cleared", flag)
    section("merged", "Duplicates merged", merged)
    section("conflicts", "Conflicts", conflict)
    runs = report.get("runs") or []
    if runs:
        lines.append(
            "Runs: "
            + "; ".join(
                f"#{r['id']} {r['kind']} {r['status']} fetched {r['fetched']}, 304 {r['not_modified']}, "
                f"failed {r['failed']}"
                for r in runs
            )
        )
        lines.append("")
    lines.append(f"Full report with diffs and the health chart: {where}." if capped or html_name else "")
    return "\n".join(lines).rstrip() + "\n"
