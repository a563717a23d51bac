"""``kb user add|list|disable|password``: accounts of the editors' app (kb.accounts)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kb.cli.app import DbOption, app, console, fail, open_kb

user_app = typer.Typer(
    help="Accounts of the editors' app (kb serve): editors act, viewers read.", no_args_is_help=True
)
app.add_typer(user_app, name="user")

NameArg = Annotated[str, typer.Argument(help="The login name (also the name on verifications).")]
StdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin (scripts, tests)."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask the password on: use --password-stdin")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _accounts(func, *args, create: bool = False):  # type: ignore[no-untyped-def]
    """Run an accounts function on the KB (``args[0]``: --db); only ``kb user add`` may create the KB."""
    from kb.accounts import AccountError
    from kb.db import session

    with session(open_kb(args[0], create=create)) as s:
        try:
            return func(s, *args[1:])
        except AccountError as exc:
            fail(str(exc))


@user_app.command("add")
def add(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help="editor (acts) or viewer (reads).")] = "editor",
    password_stdin: StdinOption = False,
    db: DbOption = None,
) -> None:
    """Make an account; the password is asked twice (or read with --password-stdin)."""
    from kb.accounts import ROLES, add_user, check_name

    if role not in ROLES:
        fail(f"unknown role {role!r} (one of: {', '.join(ROLES)})")
    from kb.accounts import AccountError

    try:
        check_name(name)
    except AccountError as exc:
        fail(str(exc))
    account = _accounts(add_user, db, name, _password(password_stdin), role, create=True)
    console.print(f"added {escape(account.name)} ({account.role})", highlight=False)


@user_app.command("password")
def password(name: NameArg, password_stdin: StdinOption = False, db: DbOption = None) -> None:
    """Set a new password (open sessions of the account end)."""
    from kb.accounts import set_password

    account = _accounts(set_password, db, name, _password(password_stdin))
    console.print(f"new password for {escape(account.name)}", highlight=False)


@user_app.command("disable")
def disable(name: NameArg, db: DbOption = None) -> None:
    """Stop an account: no new login, and its open sessions end at their next request."""
    from kb.accounts import disable_user

    account = _accounts(disable_user, db, name)
    console.print(f"disabled {escape(account.name)}", highlight=False)


@user_app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """The accounts, their roles and last logins."""
    from kb.accounts import list_users
    from kb.clock import iso

    accounts = _accounts(list_users, db)
    table = Table(title=f"accounts ({len(accounts)})")
    for col in ("name", "role", "status", "created", "last login"):
        table.add_column(col)
    for a in accounts:
        table.add_row(
            escape(a.name),
            a.role,
            "disabled" if a.disabled else "active",
            iso(a.created_at) or "",
            iso(a.last_login) or "-",
        )
    console.print(table)
