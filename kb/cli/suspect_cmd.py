"""``kb accept-run`` / ``kb reject-run``: an editor's word on what a run's template-change alarm held back."""

from __future__ import annotations

from typing import Annotated

import typer

from kb.cli.app import DbOption, app, fail

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
        typer.echo(f"run {run_id}: nothing held back")
        return
    for d in decisions:  # one plain line each (never wrapped: scripts and cron mails read them)
        if not d.versions:
            typer.echo(f"run {run_id} {d.site}: nothing held back ({d.held})")
        elif verdict == "accepted":
            typer.echo(
                f"run {run_id} {d.site}: {d.versions} suspect version(s) accepted, {d.entries} entries moved to them"
            )
        else:
            typer.echo(
                f"run {run_id} {d.site}: {d.versions} suspect version(s) rejected, previous versions stay current"
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
