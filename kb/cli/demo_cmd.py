"""``kb demo``: the whole flow on the bundled sample site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kb.cli.app import app, console, fail


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the KB, the exports and the reports.")
    ] = Path("demo-out"),
) -> None:
    """Serve the sample site, crawl edition 1, then edition 2, export, and report what changed."""
    from kb.demo import run_demo

    if out.exists() and not out.is_dir():
        fail(f"--out {out} exists and is not a folder")
    try:
        result = run_demo(out, echo=lambda msg: console.print(msg, highlight=False))
    except RuntimeError as exc:
        fail(str(exc))
    table = Table(title="sample site: two crawls")
    for col in ("run", "fetched", "new", "changed", "unchanged", "304", "gone", "duplicates", "failed"):
        table.add_column(col, justify="right")
    for run in result.runs:
        table.add_row(
            *(
                str(run.get(k, ""))
                for k in (
                    "id",
                    "fetched",
                    "new",
                    "changed",
                    "unchanged",
                    "not_modified",
                    "gone",
                    "duplicates",
                    "failed",
                )
            )
        )
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
