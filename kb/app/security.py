"""The app's guards, as ASGI middleware and small helpers: headers, CSRF, login rate limit, roles.

- Every response carries a CSP that allows no script at all (the app has none: plain forms), no
  framing, no plugin, forms posting only here; plus nosniff, no referrer, no caching of KB pages.
- Every state-changing request (any method but GET/HEAD/OPTIONS) must be a small urlencoded form
  whose ``csrf`` field matches the token in the signed session, from this origin when the browser
  says where it comes from. The check runs before any route, so no handler can forget it; the
  parsed form is handed on in ``request.state.form``.
- Logins are limited per name and per client address (failures in a sliding window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.report import chart

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM = 64 * 1024


def _style_hashes() -> str:
    """The report's health chart colours its legend with style attributes: allow exactly those."""
    values = [f"background:{chart.color(name, i)}" for i, name in enumerate(chart.COLORS)]
    values += [f"background:{c}" for c in chart.FALLBACK]
    digests = {base64.b64encode(hashlib.sha256(v.encode()).digest()).decode() for v in values}
    return " ".join(f"'sha256-{d}'" for d in sorted(digests))


CSP = (
    "default-src 'none'; script-src 'none'; "
    f"style-src 'self' 'unsafe-hashes' {_style_hashes()}; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeaders:
    """Adds ``HEADERS`` (and ``Cache-Control: no-store``) to every response that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _v in headers}
                for name, value in HEADERS.items():
                    if name not in present:
                        headers.append((name.encode(), value.encode()))
                if "cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use (an anonymous session gets one for the login form)."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


class CSRFGuard:
    """Refuses (403) any unsafe request without the session's token (see the module doc). Sits inside
    the session middleware, which it reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            await _refuse(scope, receive, send, 415, "forms only (application/x-www-form-urlencoded)")
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM:
                await _refuse(scope, receive, send, 413, "form too large")
                return
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        expected = scope.get("session", {}).get("csrf")
        given = form.get("csrf", "")
        if not (isinstance(expected, str) and expected and hmac.compare_digest(given, expected)):
            await _refuse(
                scope, receive, send, 403, "CSRF token missing or wrong: reload the page and try again"
            )
            return
        if not _same_origin(request):
            await _refuse(scope, receive, send, 403, "cross-origin form refused")
            return
        scope.setdefault("state", {})["form"] = form
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, why: str) -> None:
    response: Response = PlainTextResponse(why, status_code=status)
    await response(scope, receive, send)


class LoginLimiter:
    """Failed logins in a sliding ``window``: at most ``per_name`` for one name (guessing one password),
    ``per_client`` from one address (trying many names); past either, logins wait."""

    def __init__(self, per_name: int = 5, per_client: int = 20, window: float = 300.0) -> None:
        self.limits = {"name": per_name, "ip": per_client}
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(client: str, name: str) -> list[str]:
        return [f"ip:{client}", f"name:{name.strip().casefold()}"]

    def retry_after(self, client: str, name: str) -> int:
        """Seconds to wait before trying again (0: go ahead)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in self._keys(client, name):
                times = self._failures[key]
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= self.limits[key.split(":", 1)[0]]:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait else 0

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(client, name):
                self._failures[key].append(now)

    def succeeded(self, client: str, name: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(client, name)[1], None)
