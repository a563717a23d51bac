"""``kb export`` and ``kb report``: what downstream systems and editors read."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOption, app, err_console, fail, open_kb

PROGRESS_FROM = 2000  # entries: below this an export is instant and a bar is noise


class ExportFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"


def _time(value: str | None, option: str) -> datetime | None:
    from kb.clock import parse_time

    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        fail(f"{option} {value!r} is not an ISO 8601 date or time (e.g. 2026-01-31 or 2026-01-31T08:00:00Z)")


def _out_path(out: str) -> Path | None:
    """None for stdout; else the file to write (symlinks followed), refused up front when it is not a
    regular file or a new name in an existing folder (``kb.export.output_target``)."""
    from kb.export import OutputRefused, output_target

    if out == "-":
        return None
    try:
        return output_target(out)
    except OutputRefused as exc:
        fail(f"--out {exc}")


@app.command()
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="json: one document; jsonl: one entry per line.")
    ] = ExportFormat.json,
    out: Annotated[str, typer.Option("--out", help="File to write (atomically), or - for stdout.")] = "-",
    flag: Annotated[
        list[str] | None, typer.Option("--flag", help="Only entries with this open flag (repeatable).")
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Only entries with a source on this site.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only entries added or changed since TIME (ISO 8601).")
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="Add every version of each entry.")] = False,
    include_gone: Annotated[
        bool, typer.Option("--include-gone", help="Also entries whose source is gone.")
    ] = False,
    include_off_topic: Annotated[
        bool, typer.Option("--include-off-topic", help="Also entries judged not about 医保.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Write the KB as JSON (schema kb/export.schema.json), ordered by id; same KB, same bytes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from kb.db import session
    from kb.export import count_entries, export_entries, flag_names

    unknown = [f for f in flag or [] if f not in flag_names()]
    if unknown:
        fail(f"--flag {unknown[0]}: unknown flag (one of: {', '.join(flag_names())})")
    when = _time(since, "--since")
    path = _out_path(out)
    filters = dict(
        flags=flag or None,
        site=site,
        since=when,
        include_gone=include_gone,
        include_off_topic=include_off_topic,
    )
    with session(open_kb(db), readonly=True) as s:
        total = count_entries(s, **filters)
        bar = Progress(
            TextColumn("export"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=total < PROGRESS_FROM,
        )
        with bar:
            task = bar.add_task("export", total=total)
            n = export_entries(
                s,
                path if path is not None else sys.stdout,
                fmt=fmt.value,
                history=history,
                progress=lambda done: bar.update(task, completed=done) if done % 500 == 0 else None,
                **filters,  # type: ignore[arg-type]
            )
    if path is not None:
        err_console.print(f"exported {n} entries to {path}", highlight=False)


@app.command()
def report(
    from_run: Annotated[
        int | None,
        typer.Option("--from-run", help="Run to compare from (default: the crawl run before --to-run)."),
    ] = None,
    to_run: Annotated[
        int | None, typer.Option("--to-run", help="Run to compare to (default: the last crawl run).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Instead of runs: everything since TIME (ISO 8601).")
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="html (self-contained page), md (digest) or json.")
    ] = ReportFormat.html,
    out: Annotated[str, typer.Option("--out", help="File to write (atomically), or - for stdout.")] = "-",
    db: DbOption = None,
) -> None:
    """What changed in the KB between two runs: new, changed (with diffs), gone, flags, merges, conflicts."""
    from kb.db import session
    from kb.export import atomic_open
    from kb.report import ReportError, build_report, render_html, render_json, render_markdown

    if since is not None and (from_run is not None or to_run is not None):
        fail("--since cannot be combined with --from-run / --to-run")
    when = _time(since, "--since")
    path = _out_path(out)
    with session(open_kb(db), readonly=True) as s:
        try:
            data = build_report(s, from_run=from_run, to_run=to_run, since=when)
        except ReportError as exc:
            fail(str(exc))
    if fmt is ReportFormat.html:
        text = render_html(data)
    elif fmt is ReportFormat.md:
        text = render_markdown(data, html_name=path.with_suffix(".html").name if path else None)
    else:
        text = render_json(data)
    if path is None:
        sys.stdout.write(text)
        return
    with atomic_open(path) as fh:
        fh.write(text)
    err_console.print(f"report: {data.summary.line} → {path}", highlight=False, markup=False)
