"""The app's pages (GET): login, the review queue, an entry, search, runs and a run's report."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kb import accounts, review_queue, search
from kb.app import views
from kb.app.web import LoginRequired, db, form, int_param, login_redirect, need_user, render, run_row
from kb.editors import EntryNotFound
from kb.export import flag_names
from kb.models import FetchError, Run
from kb.report import ReportError, build_report, render_html
from kb.report.health import health
from kb.report.render_html import CSP as REPORT_CSP
from kb.report.render_html import chart_html
from kb.runs import RUN_COUNTS, run_sites
from sites import profiles

GROUP_PREVIEW = 5  # items per group on the overview


def _next(value: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": _next(request.query_params.get("next")), "error": None})


def login(request: Request) -> Response:
    data = form(request)
    name, password = data.get("name", ""), data.get("password", "")
    client = request.client.host if request.client else "?"
    limiter = request.app.state.limiter
    wait = limiter.retry_after(client, name)
    context: dict[str, Any] = {"next": _next(data.get("next")), "error": None}
    if wait:
        context["error"] = f"Too many failed logins: try again in {wait} s."
        return render(request, "login.html", context, status_code=429)
    with db(request) as s:
        account = accounts.authenticate(s, name, password)
        if account is not None:
            request.session.clear()  # a new session on login: nothing carried over from before
            request.session.update({"uid": account.id, "pw": account.password_hash[-16:]})
    if account is None:
        limiter.failed(client, name)
        context["error"] = "Wrong name or password, or the account is disabled."
        return render(request, "login.html", context, status_code=401)
    limiter.succeeded(client, name)
    return RedirectResponse(context["next"], status_code=303)


def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _filters(request: Request) -> review_queue.Filters:
    q = request.query_params
    flag = q.get("flag") or None
    if flag and flag not in flag_names():
        raise HTTPException(400, f"unknown flag {flag!r}")
    return review_queue.Filters(site=q.get("site") or None, flag=flag, run=int_param(q.get("run")))


def _query_string(filters: review_queue.Filters, **extra: Any) -> str:
    params = {"site": filters.site, "flag": filters.flag, "run": filters.run, **extra}
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def queue(request: Request) -> Response:
    user = need_user(request)
    filters = _filters(request)
    group = request.query_params.get("group") or None
    if group and group not in review_queue.group_names():
        raise HTTPException(400, f"unknown group {group!r}")
    before = int_param(request.query_params.get("before"))
    with db(request) as s:
        groups = []
        for name in [group] if group else review_queue.group_names():
            n = review_queue.count(s, name, filters)
            if not n and not group:
                continue
            items, more = review_queue.page(
                s, name, filters, before=before, limit=review_queue.PAGE if group else GROUP_PREVIEW
            )
            groups.append(
                {"name": name, "label": review_queue.label(name), "count": n, "items": items, "more": more}
            )
        sites = sorted(profiles.all_profiles())
        runs = s.exec(select(Run.id, Run.kind, Run.started_at).order_by(Run.id.desc()).limit(30)).all()  # type: ignore[union-attr]
    return render(
        request,
        "queue.html",
        {
            "user": user,
            "groups": groups,
            "group": group,
            "filters": filters,
            "flags": flag_names(),
            "sites": sites,
            "runs": runs,
            "cap": review_queue.COUNT_CAP,
            "qs": lambda **kw: _query_string(filters, **kw),
        },
    )


def entry(request: Request) -> Response:
    user = need_user(request)
    entry_id = request.path_params["entry_id"]
    a, b = int_param(request.query_params.get("a")), int_param(request.query_params.get("b"))
    with db(request) as s:
        data = views.entry_page(s, entry_id, a, b)
    notice = request.session.pop("notice", None)
    return render(request, "entry.html", {"user": user, "notice": notice, **data})


def search_page(request: Request) -> Response:
    user = need_user(request)
    q = request.query_params.get("q", "").strip()
    before = int_param(request.query_params.get("before"))
    hits: list[search.Hit] = []
    if q:
        with db(request) as s:
            hits = search.search(s, q, limit=51, before=before)
    more = hits[49].key if len(hits) > 50 else None
    return render(request, "search.html", {"user": user, "q": q, "hits": hits[:50], "more": more})


def runs_page(request: Request) -> Response:
    user = need_user(request)
    before = int_param(request.query_params.get("before"))
    with db(request) as s:
        stmt = select(Run).order_by(Run.id.desc()).limit(51)  # type: ignore[union-attr]
        if before is not None:
            stmt = stmt.where(Run.id < before)
        rows = s.exec(stmt).all()
        chart = chart_html(health(s, None))
    more = rows[49].id if len(rows) > 50 else None
    return render(
        request,
        "runs.html",
        {
            "user": user,
            "runs": [run_row(r) for r in rows[:50]],
            "more": more,
            "chart": chart,
            "counts": RUN_COUNTS,
        },
    )


def run_page(request: Request) -> Response:
    user = need_user(request)
    run_id = int_param(request.path_params["run_id"])
    with db(request) as s:
        run = s.get(Run, run_id)
        if run is None:
            raise HTTPException(404, f"no run {run_id}")
        errors = s.exec(
            select(FetchError).where(FetchError.run_id == run_id).order_by(FetchError.id).limit(200)
        ).all()
        row = run_row(run)
        sites = run_sites(s, run_id)
    return render(
        request,
        "run.html",
        {"user": user, "run": row, "fetch_errors": errors, "counts": RUN_COUNTS, "sites": sites},
    )


def run_report(request: Request) -> Response:
    """The diff report up to this run (from the crawl before it), as ``kb report --to-run N`` writes it."""
    need_user(request)
    run_id = int_param(request.path_params["run_id"])
    with db(request) as s:
        try:
            html = render_html(build_report(s, to_run=run_id))
        except ReportError as exc:
            raise HTTPException(404, str(exc)) from None
    # The report is a self-contained file with its own inline CSS and no script: its own CSP.
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP + "; frame-ancestors 'none'"})


def _error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "log in first"}, status_code=401)
        return login_redirect(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    detail = exc.detail if isinstance(exc, HTTPException) else str(exc.args[0] if exc.args else exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": detail}, status_code=status)
    return render(request, "error.html", {"status": status, "detail": detail}, status_code=status)


def exception_handlers() -> dict[Any, Any]:
    return {LoginRequired: _error, HTTPException: _error, EntryNotFound: _error}


def routes() -> list[Route]:
    return [
        Route("/", queue),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/entries/{entry_id}", entry),
        Route("/search", search_page),
        Route("/runs", runs_page),
        Route("/runs/{run_id}", run_page),
        Route("/runs/{run_id}/report", run_report),
    ]
