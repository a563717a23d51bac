"""Editors' actions (POST, editors only; the CSRF guard has checked the form before any of these run).

Each redirects back to the entry page with a one-line notice (post/redirect/get), and each is an
Action in ``kb.review`` under the logged-in account's name, never a name from the form.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kb import review
from kb.app.web import User, db, form, need_editor

MAX_NOTE = 2000
Do = Callable[[Session, User, dict[str, str], str], str]


def _seen(data: dict[str, str]) -> int | None:
    try:
        return int(data["version"]) if data.get("version") else None
    except ValueError:
        raise HTTPException(400, "bad version") from None


def _note(data: dict[str, str]) -> str | None:
    note = data.get("note", "").strip()
    if len(note) > MAX_NOTE:
        raise HTTPException(400, f"note too long (at most {MAX_NOTE} characters)")
    return note or None


def _act(do: Do) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        user = need_editor(request)
        entry_id = request.path_params["entry_id"]
        data = form(request)
        try:
            with db(request) as s:
                notice = {"error": False, "text": do(s, user, data, entry_id)}
        except (review.StaleVersion, ValueError) as exc:  # nothing written: the session rolled back
            notice = {"error": True, "text": str(exc)}
        request.session["notice"] = notice
        return RedirectResponse(f"/entries/{entry_id}", status_code=303)

    return endpoint


def verify(s: Session, user: User, data: dict[str, str], entry_id: str) -> str:
    mark, cleared = review.verify(s, entry_id, user.name, _note(data), seen_version=_seen(data))
    return f"Verified version {mark.version}" + (f"; cleared {', '.join(cleared)}." if cleared else ".")


def unverify(s: Session, user: User, data: dict[str, str], entry_id: str) -> str:
    n, raised = review.unverify(s, entry_id, user.name, _note(data))
    return f"Withdrew {n} verification(s)" + (f"; raised {', '.join(raised)}." if raised else ".")


def extraction_wrong(s: Session, user: User, data: dict[str, str], entry_id: str) -> str:
    review.mark_extraction_wrong(s, entry_id, user.name, _note(data) or "", seen_version=_seen(data))
    return "Recorded: the extraction is wrong (kept as feedback; `kb feedback` exports it)."


def resolve(s: Session, user: User, data: dict[str, str], entry_id: str) -> str:
    other, stands = data.get("other", ""), data.get("stands", "")
    review.resolve_conflict(s, entry_id, other, stands, user.name, _note(data))
    return f"Conflict settled: {stands} stands."


def routes() -> list[Route]:
    return [
        Route(f"/entries/{{entry_id}}/{name}", _act(do), methods=["POST"], name=f"action_{name}")
        for name, do in (
            ("verify", verify),
            ("unverify", unverify),
            ("extraction-wrong", extraction_wrong),
            ("resolve", resolve),
        )
    ]
