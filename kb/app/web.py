"""What every route shares: templates, the KB session, the logged-in account, role checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kb.app.security import csrf_token
from kb.db import session as kb_session
from kb.models import Account, Run
from kb.report import build as report_build
from kb.report.render_html import safe_href
from kb.report.render_json import run_dict  # the report's run shape: one shape for runs

HERE = Path(__file__).parent
STATIC = HERE / "static"

# Bidi controls in page text could reorder what surrounds them: shown as visible marks instead.
_BIDI = {c: f"⟦U+{c:04X}⟧" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def inert(value: Any) -> Any:
    """Jinja's finalize: every printed string loses its bidi controls (escaping is autoescape's job)."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return value.translate(_BIDI)
    return value


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=inert,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    return env


templates = Jinja2Templates(env=_env())


@dataclass
class User:
    id: int
    name: str
    role: str

    @property
    def editor(self) -> bool:
        return self.role == "editor"


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """The request's session; a GET only reads, so it never waits for SQLite's write lock (a crawl)."""
    with kb_session(request.app.state.db, readonly=request.method in ("GET", "HEAD")) as s:
        yield s


def current_user(request: Request) -> User | None:
    """The logged-in, enabled account, or None (a disabled account's session ends here)."""
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    with db(request) as s:
        account = s.get(Account, uid)
        if account is None or account.disabled or request.session.get("pw") != account.password_hash[-16:]:
            request.session.pop("uid", None)
            return None
        return User(account.id, account.name, account.role)  # type: ignore[arg-type]


class LoginRequired(Exception):
    """Raised by ``need_user``: pages redirect to the login page, the API answers 401."""


def need_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


def need_editor(request: Request) -> User:
    user = need_user(request)
    if not user.editor:
        raise HTTPException(403, f"{user.name} is a viewer: only editors can do this")
    return user


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    context.setdefault("user", None)
    context["csrf"] = csrf_token(request.session)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def int_param(value: str | None) -> int | None:
    """A query or path parameter as an int (None when empty); 400 when it is not one."""
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        raise HTTPException(400, f"not a number: {value!r}") from None


def run_row(run: Run) -> dict[str, Any]:
    """A run as ``kb report --format json`` lists it, with its errors by kind."""
    return {**run_dict(report_build.run_row(run)), "errors": json.loads(run.errors or "{}")}


def form(request: Request) -> dict[str, str]:
    """The form the CSRF guard already parsed and checked."""
    return request.state.form
