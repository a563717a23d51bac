"""``kb reextract``: rebuild answers from the stored bodies with the current extractor."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kb.cli.app import DbOption, app, console, open_kb


@app.command()
def reextract(
    site: Annotated[str | None, typer.Option("--site", help="Only pages of this site profile.")] = None,
    db: DbOption = None,
) -> None:
    """Re-run the extractor over every stored body; make versions only where an answer really changes."""
    from rich.progress import Progress

    from extract import EXTRACTOR_VERSION
    from kb.db import session
    from kb.reextract import pages_with_bodies, run_reextract

    with session(open_kb(db)) as s:
        total = len(pages_with_bodies(s, site))
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"reextract (extractor {EXTRACTOR_VERSION})", total=total)
            run_id, counts = run_reextract(
                s,
                site=site,
                args={"extractor_version": EXTRACTOR_VERSION},
                on_page=lambda _url, _result: progress.advance(task),
            )
    table = Table(title=f"reextract #{run_id}: {total} pages")
    table.add_column("outcome")
    table.add_column("pages", justify="right")
    for outcome, n in sorted(counts.items()):
        table.add_row(outcome, str(n))
    console.print(table)
