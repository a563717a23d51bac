"""``kb accept-run`` / ``kb reject-run``: an editor's word on what a run's template-change alarm held back."""

from __future__ import annotations

from typing import Annotated

import typer

from kb.cli.app import DbOption, app, console, fail

RunArg = Annotated[
    int, typer.Argument(help="The run whose suspect versions to decide on (kb report names it).")
]
SiteOption = Annotated[
    str | None, typer.Option("--site", help="Only this site of the run (default: every site it held back).")
]


def _decide(run_id: int, site: str | None, db: str | None, verdict: str) -> None:
    from kb.db import session
    from kb.suspect import SuspectError, decide

    try:
        with session(db) as s:
            decisions = decide(s, run_id, site, verdict)
    except SuspectError as exc:
        fail(str(exc))
    if not decisions:
        console.print(f"run {run_id}: nothing held back", highlight=False)
        return
    for d in decisions:
        if not d.versions:
            console.print(f"run {run_id} {d.site}: nothing held back ({d.held})", highlight=False)
        elif verdict == "accepted":
            console.print(
                f"run {run_id} {d.site}: {d.versions} suspect version(s) accepted, {d.entries} entries moved to them",
                highlight=False,
            )
        else:
            console.print(
                f"run {run_id} {d.site}: {d.versions} suspect version(s) rejected, previous versions stay current",
                highlight=False,
            )


@app.command("accept-run")
def accept_run(run_id: RunArg, site: SiteOption = None, db: DbOption = None) -> None:
    """Release the versions a run's template-change alarm held back: they become current and exported."""
    _decide(run_id, site, db, "accepted")


@app.command("reject-run")
def reject_run(run_id: RunArg, site: SiteOption = None, db: DbOption = None) -> None:
    """Drop the versions a run's alarm held back: marked rejected, the previous versions stay current.

    The same content seen again later is not raised again; a further change of a page is.
    """
    _decide(run_id, site, db, "rejected")
