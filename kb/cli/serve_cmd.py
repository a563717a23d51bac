"""``kb serve``: the editors' review app (kb.app) on uvicorn."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import DbOption, app, console, fail, open_kb


def _secret(path: Path | None) -> str | None:
    """The cookie-signing key: ``$KB_SECRET_KEY``, else the file's content (made on first use)."""
    if os.environ.get("KB_SECRET_KEY"):
        return os.environ["KB_SECRET_KEY"]
    if path is None:
        return None
    import secrets

    try:
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip() or fail(f"--secret-file {path} is empty")
    except OSError as exc:
        fail(f"--secret-file {path}: {exc.strerror}")


def _check_bind(host: str, port: int) -> None:
    """A taken port or a foreign address is bad input (one line, exit 2), not a server traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless told).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8080,
    db: DbOption = None,
    secret_file: Annotated[
        Path | None,
        typer.Option(
            "--secret-file",
            help="Keeps the cookie-signing key (made on first use); "
            "without it (or $KB_SECRET_KEY) logins end when the server stops.",
        ),
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies", help="Send the session cookie over HTTPS only (behind a TLS proxy)."
        ),
    ] = False,
) -> None:
    """Serve the editors' review app: the queue, entries, diffs, verify, search, runs, JSON API."""
    import uvicorn

    from kb.accounts import list_users
    from kb.app import create_app
    from kb.db import session

    db = open_kb(db)  # no KB there: one line, not an empty app over a new file
    application = create_app(db, secret_key=_secret(secret_file), secure_cookies=secure_cookies)
    _check_bind(host, port)
    with session(db) as s:
        if not any(a.role == "editor" and not a.disabled for a in list_users(s)):
            console.print("no editor account yet: make one with [bold]kb user add NAME[/]", highlight=False)
    console.print(f"kb serve: http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
    uvicorn.run(
        application, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False
    )
