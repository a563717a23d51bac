"""``kb db``: the schema."""

from __future__ import annotations

import typer
from alembic import command

from kb.cli.app import DbOption, app, console
from kb.db import alembic_config, get_engine, resolve_url
from sites.urls import mask_url

db_app = typer.Typer(help="Create or migrate the KB's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Bring the KB's schema to the newest revision (a first run creates the database)."""
    url = resolve_url(db)
    get_engine(url, create=True)
    console.print(f"schema at head: {mask_url(url)}")


@db_app.command("current")
def current(db: DbOption = None) -> None:
    """Show the schema revision the KB is at."""
    url = resolve_url(db)
    cfg = alembic_config(url)
    with get_engine(url, create=False).connect() as conn:
        cfg.attributes["connection"] = conn
        command.current(cfg)
