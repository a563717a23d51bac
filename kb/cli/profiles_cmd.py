"""``kb profiles``: the site profiles this machine would use, and everything wrong in them."""

from __future__ import annotations

import typer
from rich.table import Table

from kb.cli.app import app, console, err_console

profiles_app = typer.Typer(
    help="Site profiles (sites/profiles/ and the folders in KB_PROFILE_DIRS).", no_args_is_help=True
)
app.add_typer(profiles_app, name="profiles")


@profiles_app.command("check")
def check() -> None:
    """Check every profile file: each problem as FILE:LINE: what is wrong (exit 2 when there is any)."""
    from sites.profiles import catalog

    found = catalog()
    problems = found.problems()
    for problem in problems:
        console.print(str(problem), highlight=False, markup=False, soft_wrap=True)
    files = len(found.files)
    if problems:
        bad = len({p.path for p in problems})
        err_console.print(
            f"kb: {len(problems)} problem(s) in {bad} file(s) or folder(s); {files} profile file(s) read",
            highlight=False,
        )
        raise typer.Exit(2)
    folders = ", ".join(str(d) for d in found.dirs)
    console.print(f"{files} profile file(s) ok in {folders}", highlight=False, markup=False, soft_wrap=True)


@profiles_app.command("list")
def list_() -> None:
    """Every profile file: the site name, its hosts and start URLs, and whether it is used (ok, broken,
    or shadowed by a later folder's file of the same name)."""
    from sites.profiles import catalog

    table = Table(title="site profiles", title_justify="left", highlight=False)
    table.add_column("name", no_wrap=True)
    for column in ("status", "hosts", "start URLs", "priority", "file"):
        table.add_column(column, overflow="fold")
    for f in catalog().files:
        if f.shadowed_by is not None:
            status = f"shadowed by {f.shadowed_by}"
        elif f.profile is None:
            status = "broken (kb profiles check)"
        else:
            status = "ok"
        p = f.profile
        table.add_row(
            f.name,
            status,
            " ".join(p.hosts) if p else "",
            str(len(p.start_urls)) if p else "",
            str(p.priority) if p else "",
            str(f.path),
            style=None if f.profile is not None and f.shadowed_by is None else "dim",
        )
    console.print(table)
