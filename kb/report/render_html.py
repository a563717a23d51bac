"""The report as one self-contained HTML file: inline CSS, no script, readable on a phone.

Everything in the report that came from a page (questions, answers, URLs, flag reasons) is
hostile until escaped: text goes through ``html.escape``; a URL becomes a link only when it is
plain http(s) (a ``javascript:`` or ``data:`` URL is shown as inert text). A Content-Security-Policy
that allows no script at all backs this up should an escape ever be missed.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import urlsplit

from kb.report.chart import health_svg
from kb.report.diff import excerpt, widen_numbers

MAX_ITEMS = 300  # per section
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root{color-scheme:light;--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--card:#f9fafb}
*{box-sizing:border-box}
body{margin:0 auto;max-width:56rem;padding:1rem;font:16px/1.6 system-ui,-apple-system,"PingFang SC",
"Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg);
overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .6rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .3rem}
a{color:#1d4ed8}
.muted,.meta{color:var(--muted);font-size:.85rem}
.line{font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:.4rem;padding:0;list-style:none}
.counts li a{display:inline-block;padding:.15rem .6rem;border:1px solid var(--line);border-radius:1rem;
text-decoration:none;color:var(--fg);font-size:.9rem}
.entry{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.7rem .8rem;margin:.6rem 0}
.answer,.diff{white-space:pre-wrap;font-size:.95rem;margin:.4rem 0}
.diff del{background:#fee2e2;color:#991b1b;text-decoration:line-through}
.diff ins{background:#dcfce7;color:#166534;text-decoration:none}
.numbers{font-weight:600;color:#9a3412}
.flag{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:.3rem;background:#fef3c7;color:#92400e;
margin-right:.25rem}
.verify code,.url{font:.8rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2ff;
padding:.1rem .3rem;border-radius:.25rem;user-select:all}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
@media (max-width:40rem){.cols{grid-template-columns:1fr}body{padding:.6rem}}
details summary{cursor:pointer;color:var(--muted);font-size:.85rem}
.chart{max-width:100%;height:auto}.chart .axis{font-size:10px;fill:#6b7280}.chart .val{font-size:10px;fill:#111827}
.legend{font-size:.8rem}.key{margin-right:.8rem;white-space:nowrap}
.swatch{display:inline-block;width:.7rem;height:.7rem;margin-right:.25rem;vertical-align:-.05rem;border-radius:2px}
table{border-collapse:collapse;font-size:.85rem;width:100%;display:block;overflow-x:auto}
th,td{border-bottom:1px solid var(--line);padding:.2rem .4rem;text-align:right}th:first-child,td:first-child{text-align:left}
"""

_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")


def h(value: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


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


def link(url: Any, text: Any) -> str:
    href = safe_href(url)
    if href is None:
        return f'{h(text)} <span class="url" title="not a web link">{h(url)}</span>' if url else h(text)
    return f'<a href="{h(href)}" rel="noopener noreferrer nofollow" target="_blank">{h(text)}</a>'


def diff_html(diff: list[list[str]] | None) -> str:
    out = []
    for op, text in diff or []:
        if op == "-":
            out.append(f"<del>{h(text)}</del>")
        elif op == "+":
            out.append(f"<ins>{h(text)}</ins>")
        else:
            out.append(h(text))
    return "".join(out)


def _flags(names: list[str]) -> str:
    return "".join(f'<span class="flag">{h(n)}</span>' for n in names)


def _verify(item: dict[str, Any]) -> str:
    cmd = item.get("verify")
    return f'<p class="verify">Checked it? <code>{h(cmd)}</code></p>' if cmd else ""


def _meta(item: dict[str, Any], extra: str = "") -> str:
    bits = [f"<code>{h(item['id'])}</code>"]
    if item.get("site"):
        bits.append(h(item["site"]))
    if extra:
        bits.append(extra)
    if safe_href(item.get("url")):  # an unsafe URL is already shown, inert, in the heading
        bits.append(link(item["url"], "source"))
    return f'<p class="meta">{" · ".join(bits)} {_flags(item.get("flags") or [])}</p>'


def _added(item: dict[str, Any]) -> str:
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>'
        f"{_meta(item, 'v' + h(item.get('version')))}"
        f'<div class="answer">{h(item.get("answer"))}</div>{_verify(item)}</article>'
    )


def _changed(item: dict[str, Any]) -> str:
    versions = f"v{h(item.get('version_from'))} → v{h(item.get('version_to'))}"
    why = [r for r in item.get("reasons") or [] if r != "content"]
    if why:
        versions += f" ({h(', '.join(why))})"
    numbers = f'<p class="numbers">{h(item["summary"])}</p>' if item.get("summary") else ""
    disc = item.get("disclaimer") or {}
    notes = ""
    if disc.get("old") != disc.get("new"):
        notes = (
            '<p class="meta">official-verification disclaimer '
            f"{'removed' if disc.get('old') else 'added'}</p>"
        )
    question = ""
    if item.get("question_diff"):
        question = f'<p class="diff">Question: {diff_html(item["question_diff"])}</p>'
    diff = widen_numbers(item.get("diff") or [])
    short, _ = excerpt(diff, context=60, limit=10**9)
    body = f'<div class="diff">{diff_html(short)}</div>'
    if all(op == "=" for op, _ in diff):
        body = '<p class="meta">answer text unchanged</p>'
    elif short != diff:  # long unchanged stretches were cut: the whole answer is one tap away
        body += (
            "<details><summary>whole answer, with the changes</summary>"
            f'<div class="diff">{diff_html(diff)}</div></details>'
        )
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>'
        f"{_meta(item, versions)}{numbers}{notes}{question}{body}"
        f'<details><summary>old and new answer</summary><div class="cols">'
        f'<div><p class="meta">old (v{h(item.get("version_from"))})</p><div class="answer">'
        f"{h(item.get('old_answer'))}</div></div>"
        f'<div><p class="meta">new (v{h(item.get("version_to"))})</p><div class="answer">'
        f"{h(item.get('new_answer'))}</div></div></div></details>{_verify(item)}</article>"
    )


def _gone(item: dict[str, Any]) -> str:
    answer = f'<div class="answer">{h(item["answer"])}</div>' if item.get("answer") else ""
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>'
        f"{_meta(item, 'last v' + h(item.get('version')))}{answer}{_verify(item)}</article>"
    )


def _flag_item(item: dict[str, Any]) -> str:
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>'
        f"{_meta(item, _flags([item['flag']]))}"
        f"<p>{h(item.get('reason'))}</p>{_verify(item)}</article>"
    )


def _merged(item: dict[str, Any]) -> str:
    sim = item.get("similarity")
    sim_text = f" (similarity {h(sim)})" if sim is not None else ""
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>{_meta(item)}'
        f"<p>New source: {link(item.get('source_url'), item.get('source_url'))}{sim_text}</p></article>"
    )


def _conflict(item: dict[str, Any]) -> str:
    other = item.get("other_entry") or {}
    return (
        f'<article class="entry"><h3>{link(item.get("url"), item["question"])}</h3>{_meta(item)}'
        f"<p>Same question, different figures than "
        f"{link(other.get('url'), other.get('question') or other.get('id'))} "
        f"<code>{h(other.get('id'))}</code></p>{_verify(item)}</article>"
    )


SECTIONS = (
    ("changed", "Changed", _changed),
    ("added", "New", _added),
    ("gone", "Gone", _gone),
    ("returned", "Back again", _gone),
    ("flagged", "Flags raised", _flag_item),
    ("cleared", "Flags cleared", _flag_item),
    ("merged", "Duplicates merged", _merged),
    ("conflicts", "Conflicts", _conflict),
)


def _health_table(health: dict[str, Any]) -> str:
    runs = health.get("runs") or []
    if not runs:
        return ""
    names = health.get("flags") or []
    head = "".join(f"<th>{h(n)}</th>" for n in names)
    rows = "".join(
        f"<tr><td>#{h(r['run'])} {h(r.get('at'))}</td><td>{h(r.get('entries'))}</td>"
        + "".join(f"<td>{h(r['flags'].get(n, 0))}</td>" for n in names)
        + "</tr>"
        for r in runs
    )
    return (
        "<details><summary>numbers</summary><table><thead><tr><th>run</th><th>entries</th>"
        f"{head}</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def _runs_table(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return ""
    cols = ("fetched", "new", "changed", "unchanged", "not_modified", "gone", "failed")
    head = "".join(f"<th>{h(c)}</th>" for c in cols)
    rows = "".join(
        f"<tr><td>#{h(r['id'])} {h(r['kind'])} {h(r['status'])}</td>"
        + "".join(f"<td>{h(r.get(c))}</td>" for c in cols)
        + "</tr>"
        for r in runs
    )
    return f"<table><thead><tr><th>run</th>{head}</tr></thead><tbody>{rows}</tbody></table>"


def title(report: dict[str, Any]) -> str:
    w = report.get("window") or {}
    if w.get("since"):
        return f"yibao-kb report since {w['since']}"
    if w.get("from_run") is not None:
        return f"yibao-kb report: run {w['from_run']} → {w['to_run']}"
    if w.get("to_run") is not None:
        return f"yibao-kb report: up to run {w['to_run']}"
    return "yibao-kb report"


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    summary = report.get("summary") or {}
    counts = "".join(
        f'<li><a href="#{key}">{h(label)} {len(report.get(key) or [])}</a></li>'
        for key, label, _ in SECTIONS
        if report.get(key) or key in ("changed", "added", "gone")
    )
    sections = []
    for key, label, render in SECTIONS:
        items = report.get(key) or []
        if not items and key not in ("changed", "added", "gone"):
            continue
        body = "".join(render(i) for i in items[:MAX_ITEMS]) or '<p class="muted">None.</p>'
        if len(items) > MAX_ITEMS:  # a first crawl adds thousands: the page must stay openable
            body += (
                f'<p class="muted">… and {len(items) - MAX_ITEMS} more: see <code>kb report --format json</code>'
                " or <code>kb export</code>.</p>"
            )
        sections.append(f'<section id="{key}"><h2>{h(label)} ({len(items)})</h2>{body}</section>')
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{h(CSP)}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{h(title(report))}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{h(title(report))}</h1>"
        f'<p class="muted">generated {h(report.get("generated_at"))}</p>'
        f'<p class="line">{h(summary.get("line", ""))}</p><ul class="counts">{counts}</ul></header>'
        f"{''.join(sections)}"
        f'<section id="health"><h2>KB health: open flags after each run</h2>'
        f"{health_svg(report.get('health') or {})}{_health_table(report.get('health') or {})}</section>"
        f'<section id="runs"><h2>Runs in this report</h2>{_runs_table(report.get("runs") or [])}</section>'
        "</body></html>\n"
    )
