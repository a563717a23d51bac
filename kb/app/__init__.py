"""``kb serve``: the editors' review app, server-rendered over the same KB and code as the CLI.

Starlette + Jinja2 (autoescape) on uvicorn; plain HTML forms, no script. ``create_app`` builds it
for one KB; ``kb.cli.serve_cmd`` runs it. Routes live in ``pages`` (read), ``actions`` (editors'
POSTs) and ``api`` (read-only JSON, the export's shapes); guards in ``security``.
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kb.app import actions, api, pages
from kb.app.security import CSRFGuard, LoginLimiter, SecurityHeaders
from kb.app.web import STATIC
from kb.db import get_engine, resolve_url

SESSION_HOURS = 12


def create_app(
    db: str | None = None, *, secret_key: str | None = None, secure_cookies: bool = False
) -> Starlette:
    """The app over the KB at ``db``; without ``secret_key`` logins last until the process ends."""
    url = resolve_url(db)
    get_engine(url)  # open (and migrate) now: a bad URL fails at start, not at the first request
    app = Starlette(
        routes=[
            *pages.routes(),
            *actions.routes(),
            *api.routes(),
            Mount("/static", StaticFiles(directory=STATIC)),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret_key or secrets.token_urlsafe(32),
                session_cookie="kb_session",
                max_age=SESSION_HOURS * 3600,
                same_site="lax",
                https_only=secure_cookies,
            ),
            Middleware(CSRFGuard),
        ],
        exception_handlers=pages.exception_handlers(),
    )
    app.state.db = url
    app.state.limiter = LoginLimiter()
    return app
