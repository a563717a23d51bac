"""Editors' commands: ``kb verify``, ``kb show``, ``kb history``, ``kb flags``, ``kb stats``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kb.cli.app import DbOption, app, console, fail, open_kb

IdArg = Annotated[str, typer.Argument(help="Entry id (as in the export's `id`, e.g. e3f2…).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False))


def _entry_or_fail(func: Any, *args: Any, **kw: Any) -> Any:
    from kb.editors import EntryNotFound

    try:
        return func(*args, **kw)
    except EntryNotFound as exc:
        fail(str(exc.args[0]))


@app.command()
def verify(
    entry_id: IdArg,
    by: Annotated[str, typer.Option("--by", help="Who checked it against the official source.")],
    note: Annotated[str | None, typer.Option("--note", help="What was checked, where.")] = None,
    db: DbOption = None,
) -> None:
    """Mark an entry's current version verified (clears needs_verification and stale until it changes)."""
    from kb import review
    from kb.db import session

    if not by.strip():
        fail("--by needs a name")
    with session(open_kb(db)) as s:
        mark, cleared = _entry_or_fail(review.verify, s, entry_id, by, note)
        console.print(
            f"verified {mark.entry_id} version {mark.version} by {escape(mark.by)}"
            + (f"; cleared: {', '.join(cleared)}" if cleared else "")
        )


@app.command()
def show(entry_id: IdArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one entry: question, current answer, flags with reasons, sources, verifications."""
    from kb import editors
    from kb.db import session

    with session(open_kb(db), readonly=True) as s:
        data = _entry_or_fail(editors.show, s, entry_id)
    if as_json:
        _print_json(data)
        return
    console.print(f"[bold]{data['id']}[/] v{data['version']} {data['status']} ({escape(data['site'])})")
    # page text: no markup, no highlighting (Rich's highlighter is quadratic: a 120k answer took minutes)
    console.print(f"[bold]Q:[/] {escape(data['question'])}", highlight=False)
    console.print(data["answer"], soft_wrap=True, markup=False, highlight=False)
    console.print(
        f"first seen {data['first_seen']} · updated {data['updated_at']} · last seen {data['last_seen']}"
        f" · published {data['published'] or '-'} · extractor {escape(data['extractor_version'] or '-')}"
    )
    for f in data["flags"]:
        console.print(f"[yellow]flag[/] {f['name']}: {escape(f['reason'])}")
    for src in data["sources"]:
        mark = "*" if src["canonical"] else " "
        console.print(
            f"{mark} {escape(src['url'])} [{src['site']}, {src['status']}, priority {src['priority']}]"
        )
    for m in data["verifications"]:
        console.print(
            f"verified v{m['version']} by {escape(m['by'])} at {m['at']}: {escape(m['note'] or '')}"
        )


HISTORY_DIFF_CHARS = 2000  # of one version's diff, edits and their context: the rest is in --json
_DIFF_STYLES = {"-": "red strike", "+": "green"}


@app.command()
def history(entry_id: IdArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show every version of an entry with what changed from the one before."""
    from kb import editors
    from kb.db import session
    from kb.diff import KEPT, excerpt, summary_line, widen_numbers

    with session(open_kb(db), readonly=True) as s:
        versions = _entry_or_fail(editors.history, s, entry_id)
    if as_json:
        _print_json(versions)
        return
    for v in versions:
        console.print(
            f"[bold]v{v['version']}[/] {v['created_at']} run {v['run_id']} {escape(v['source_url'])}"
            f" extractor {escape(v['extractor_version'] or '-')} {v['content_hash'][:12]}"
            + (f" [bold red]{v['held']}[/]" if v["held"] else "")
        )
        if v["numbers"]:
            console.print("  numbers: " + summary_line(v["numbers"]))
        if v["disclaimer"]:
            console.print(f"  disclaimer {v['disclaimer']}")
        if v["question_diff"]:
            _print_indented(Text("question: ").append_text(_diff_text(v["question_diff"])))
        shown, cut = excerpt(widen_numbers(v["diff"]), context=40, limit=HISTORY_DIFF_CHARS)
        if any(kind != KEPT for kind, _ in shown):
            _print_indented(_diff_text(shown))
        if cut:
            console.print("  … (diff cut short: `kb history --json` has all of it)")


def _print_indented(text: Text) -> None:
    for line in text.split("\n", allow_blank=True):
        console.print(Text("  ").append_text(line), soft_wrap=True)


def _diff_text(ops: Any) -> Text:
    """The diff's ops as terminal text: word-diff markers ([-old-]{+new+}), coloured where colour is on."""
    from kb.diff import word_diff

    text = Text()
    for kind, part in ops:
        text.append(word_diff([(kind, part)]), style=_DIFF_STYLES.get(kind, ""))
    return text


@app.command("flags")
def flags_cmd(
    flag: Annotated[str | None, typer.Option("--flag", help="Only this flag (e.g. stale).")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Only entries of this site profile.")] = None,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="Re-evaluate every entry's flags now (time passes between crawls)."),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Table rows at most (0: all; --json gives all).")
    ] = 100,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List open flags as a table; --refresh raises and clears them for the current time first."""
    from kb import editors, runs
    from kb.db import session
    from kb.flags import NAMES, refresh_flags

    if flag and flag not in NAMES:
        fail(f"unknown flag {flag!r} (one of {', '.join(NAMES)})")
    with session(open_kb(db), readonly=not refresh) as s:
        if refresh:
            run = runs.start_run(s, kind="refresh")
            counts = refresh_flags(s, run_id=run.id)
            runs.finish_run(s, run.id, "ok")
            if not as_json:
                moved = [f"{name} +{r}/-{c}" for name, (r, c) in counts.items() if r or c]
                console.print("refreshed: " + (", ".join(moved) or "no change"))
        if as_json:
            _print_json(editors.flag_rows(s, flag, site))
            return
        total = editors.open_flag_count(s, flag, site)
        rows = editors.flag_rows(s, flag, site, limit or None)  # a KB-wide table would be unreadable anyway
    shown = f"; the first {len(rows)} shown, --limit 0 for all" if len(rows) < total else ""
    table = Table(title=f"open flags ({total}{shown})")
    for col in ("entry", "site", "flag", "raised", "reason", "question"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["entry_id"],
            r["site"],
            r["flag"],
            r["raised_at"][:10],
            escape(r["reason"]),
            escape(r["question"]),
        )
    console.print(table)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of entries, versions, pages, flags, bodies and the last run."""
    from kb import editors
    from kb.db import session

    with session(open_kb(db), readonly=True) as s:
        data = editors.stats(s)
    if as_json:
        _print_json(data)
        return
    table = Table(title="kb stats", show_header=False)
    table.add_column("what")
    table.add_column("count", overflow="fold")

    def fmt(value: Any) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        return str(value)

    for key in ("entries", "versions", "pages", "sources_per_entry", "open_flags", "verifications", "events"):
        table.add_row(key, fmt(data[key]))
    b = data["bodies"]
    table.add_row("bodies", f"{b['count']} ({b['stored_bytes']:,} bytes stored, {b['raw_bytes']:,} raw)")
    table.add_row("runs", str(data["runs"]))
    if data["last_run"]:
        r = data["last_run"]
        table.add_row(
            "last run",
            f"#{r['id']} {r['kind']} {r['status']} {r['started_at']}: fetched {r['fetched']}, new {r['new']}, "
            f"changed {r['changed']}, gone {r['gone']}, failed {r['failed']}",
        )
    console.print(table)
