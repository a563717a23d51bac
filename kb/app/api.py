"""Read-only JSON beside the pages, in ``kb export``'s shapes (kb.export builds every entry).

``/api/entries`` pages by id (``after`` = the last id of the previous page, as the export orders),
with the export's filters (``flag``, repeated; ``site``; ``include_gone``); ``/api/entries/{id}``
is one entry with its versions (``kb export --history``); ``/api/runs`` lists runs newest first as
``kb report --format json`` lists them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kb.app.web import db, int_param, need_user, run_row
from kb.clock import generated_at
from kb.export import SCHEMA_VERSION, export_entry, flag_names, iter_entries
from kb.models import Run

MAX_LIMIT = 500


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _limit(request: Request) -> int:
    limit = int_param(request.query_params.get("limit")) or 100
    if not 1 <= limit <= MAX_LIMIT:
        raise HTTPException(400, f"limit must be 1..{MAX_LIMIT}")
    return limit


def entries(request: Request) -> Response:
    need_user(request)
    q = request.query_params
    wanted = q.getlist("flag")
    unknown = sorted(set(wanted) - set(flag_names()))
    if unknown:
        raise HTTPException(400, f"unknown flag {unknown[0]!r}")
    limit = _limit(request)
    with db(request) as s:
        found = []
        for item in iter_entries(
            s,
            flags=wanted or None,
            site=q.get("site") or None,
            include_gone=q.get("include_gone") == "1",
            after=q.get("after") or None,
            chunk=limit + 1,
        ):
            found.append(item)
            if len(found) > limit:
                break
        generated = generated_at(s)
    more = len(found) > limit
    found = found[:limit]
    return JSON(
        {
            "schema_version": SCHEMA_VERSION,
            "generated_at": generated,
            "entries": found,
            "next_after": found[-1]["id"] if more and found else None,
        }
    )


def entry(request: Request) -> Response:
    need_user(request)
    with db(request) as s:
        item = export_entry(s, request.path_params["entry_id"], history=True)
    if item is None:
        raise HTTPException(404, f"no entry {request.path_params['entry_id']!r}")
    return JSON(item)


def runs(request: Request) -> Response:
    need_user(request)
    limit = _limit(request)
    before = int_param(request.query_params.get("before"))
    with db(request) as s:
        stmt = select(Run).order_by(Run.id.desc()).limit(limit)  # type: ignore[union-attr]
        if before is not None:
            stmt = stmt.where(Run.id < before)
        rows = [run_row(r) for r in s.exec(stmt).all()]
    return JSON({"runs": rows})


def routes() -> list[Route]:
    return [
        Route("/api/entries", entries),
        Route("/api/entries/{entry_id}", entry),
        Route("/api/runs", runs),
    ]
