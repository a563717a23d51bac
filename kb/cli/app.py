"""The one Typer app every command module registers on, and the CLI's shared options."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="kb",
    help="yibao-kb: keep a knowledge base of 医保 Q&A pages true over time.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

console = Console()
err_console = Console(stderr=True)


class BadInput(Exception):
    """Input the user can fix: printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise BadInput(message)


def open_kb(db: str | None, *, create: bool = False) -> str:
    """The KB's URL, opened (and migrated): a bad URL, an unreachable server or, unless the command
    writes and may ``create`` it, a KB that is not there is one line and exit 2 (``kb.db.DatabaseError``)."""
    from kb.db import get_engine, resolve_url

    url = resolve_url(db)
    get_engine(url, create=create)
    return url


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL of the KB (default: $DATABASE_URL, else sqlite:///kb.sqlite)."),
]
