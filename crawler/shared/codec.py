"""Scrapy request dicts (``Request.to_dict``) as JSON, for the shared crawl's start-URL queue.

A request dict holds bytes (header names and values, the body): they travel as latin-1 text, which maps
every byte to one character and back. ``loads``/``dumps`` have the shape scrapy-redis asks of a
``SCHEDULER_SERIALIZER``. Meta values must be JSON (strings, numbers, lists, dicts).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(request: dict[str, Any]) -> str:
    """One request dict as a JSON object."""
    out = dict(request)
    out["headers"] = {
        name.decode("latin-1"): [v.decode("latin-1") for v in values]
        for name, values in (request.get("headers") or {}).items()
    }
    out["body"] = (request.get("body") or b"").decode("latin-1")
    try:
        return json.dumps(out, ensure_ascii=False)
    except TypeError as exc:
        raise TypeError(f"request {request.get('url')} does not fit in JSON: {exc}") from exc


def loads(data: bytes | str) -> dict[str, Any]:
    """A request dict from :func:`dumps` (or a bare ``{"url": ...}`` pushed by hand)."""
    request = json.loads(data)
    request["headers"] = {
        name.encode("latin-1"): [v.encode("latin-1") for v in values]
        for name, values in (request.get("headers") or {}).items()
    }
    request["body"] = (request.get("body") or "").encode("latin-1")
    return request
