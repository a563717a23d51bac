"""``kb``: the command line. Thin: each command parses, calls plain functions in ``kb``, prints.

Bad input (a missing file, a bad option, an unreachable database, a broken site profile, a read-only KB or
--out folder) is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

from kb.cli import commands  # noqa: F401  (registers every command on the app)
from kb.cli.app import BadInput, app, err_console
from kb.db import DatabaseError
from sites.profiles import ProfileError


def main(argv: list[str] | None = None) -> None:
    try:
        code = app(args=argv, prog_name="kb", standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(n) comes back as a return value here
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("kb: aborted", highlight=False)
        sys.exit(130)
    except click.UsageError as exc:
        err_console.print(f"kb: error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except click.ClickException as exc:
        err_console.print(f"kb: error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except (BadInput, DatabaseError, ProfileError) as exc:
        err_console.print(f"kb: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except OperationalError as exc:  # a KB that cannot be written (read-only file or folder, disk full)
        line = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
        err_console.print(f"kb: error: the KB: {line}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:  # a file the command reads or writes (--out in a read-only folder, a full disk)
        where = f": {exc.filename}" if exc.filename else ""
        err_console.print(
            f"kb: error: {exc.strerror or exc}{where}", highlight=False, markup=False, soft_wrap=True
        )
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("kb: interrupted", highlight=False)
        sys.exit(130)
