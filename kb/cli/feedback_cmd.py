"""``kb feedback``: editors' "extraction is wrong" marks as JSON Lines, for extractor work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOption, app, console, open_kb


@app.command()
def feedback(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    db: DbOption = None,
) -> None:
    """Every extraction an editor marked wrong: entry, version, note, source URL, stored body hash."""
    from kb import review
    from kb.db import session
    from kb.export import atomic_open

    with session(open_kb(db), readonly=True) as s:
        lines = [json.dumps(item, ensure_ascii=False) + "\n" for item in review.feedback(s)]
    if out is None:
        typer.echo("".join(lines), nl=False)
        return
    with atomic_open(out) as fh:
        fh.writelines(lines)
    console.print(f"{len(lines)} feedback item(s) → {out}", highlight=False)
