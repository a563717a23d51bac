"""``kb demo``: the whole flow on the bundled sample site."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kb.cli.app import app, console, fail

# The run counters the demo's table shows, in order; headers are the keys but for these two.
_COLUMNS = ("id", "fetched", "new", "changed", "unchanged", "not_modified", "gone", "duplicates", "failed")
_HEADERS = {"id": "run", "not_modified": "304"}


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the KB, the exports and the reports.")
    ] = Path("demo-out"),
) -> None:
    """Serve the sample site, crawl edition 1, then edition 2, export, and report what changed."""
    from kb.demo import run_demo

    try:
        result = run_demo(out, echo=lambda msg: console.print(msg, highlight=False))
    except RuntimeError as exc:
        fail(str(exc))
    table = Table(title="sample site: two crawls")
    for key in _COLUMNS:
        table.add_column(_HEADERS.get(key, key), justify="right")
    for run in result.runs:
        table.add_row(*(str(run.get(key, "")) for key in _COLUMNS))
    console.print(table)
    rep = result.report
    console.print(
        f"second run: {len(rep.get('added', []))} added, {len(rep.get('changed', []))} changed, "
        f"{len(rep.get('gone', []))} gone, {len(rep.get('merged', []))} merged as duplicates, "
        f"{len(rep.get('flagged', []))} flagged",
        highlight=False,
    )
    console.print("files:", highlight=False)
    for f in result.files:
        console.print(f"  {f}", highlight=False)
    name, password = result.editor
    console.print(
        f"\neditors' app: log in at http://127.0.0.1:8080/ as {name}, password {password}, after running:",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"  {serve_command(out)}", highlight=False, soft_wrap=True, markup=False)


def serve_command(out: Path) -> str:
    """The one command that opens the demo KB in the app, as the user can paste it here."""
    kb = Path(sys.argv[0]) if Path(sys.argv[0]).name == "kb" else Path(".venv/bin/kb")
    return f"{kb} serve --db {shlex.quote(str(out / 'kb.sqlite'))}"
