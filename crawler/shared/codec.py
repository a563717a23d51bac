"""Scrapy request dicts (``Request.to_dict``) as JSON: the only form requests take in Redis.

Both of a shared crawl's queues hold JSON, never pickles: the start-URL queue (:mod:`.seed`) and the
request queue (``SCHEDULER_SERIALIZER`` names this module, :mod:`.queue` reads it). Whoever can write to
the Redis can then at most queue a request, never run code in a worker: an entry is turned back into a
request only by :func:`request_from_data`, which takes a plain ``Request`` (or one of a few Scrapy
request classes, by exact name: nothing else is imported) whose callbacks are the spider's own methods,
and raises :class:`BadEntry` for anything else.

A request dict holds bytes (header names and values, the body): they travel as latin-1 text, which maps
every byte to one character and back. ``loads``/``dumps`` have the shape scrapy-redis asks of a
``SCHEDULER_SERIALIZER``. Meta values must be JSON (strings, numbers, lists, dicts).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from scrapy import Request
from scrapy.http import FormRequest, JsonRequest

# The request classes an entry may name (``_class``), by the exact name ``Request.to_dict`` writes.
REQUEST_CLASSES: dict[str, type[Request]] = {
    f"{cls.__module__}.{cls.__name__}": cls for cls in (Request, FormRequest, JsonRequest)
}
# Callbacks Scrapy's own spiders use that are not the project's methods.
SCRAPY_CALLBACKS = frozenset({"parse", "_parse_sitemap"})


class BadEntry(ValueError):
    """A queue entry that is not a request dict this crawl made (a pickle, another class, a strange callback)."""


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
    """A request dict from :func:`dumps` (or a bare ``{"url": ...}`` pushed by hand); BadEntry otherwise."""
    try:
        request = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:  # a pickle, or any other bytes
        raise BadEntry(f"not JSON: {exc}") from None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        raise BadEntry("not a request dict (no url)")
    try:
        request["headers"] = {
            name.encode("latin-1"): [v.encode("latin-1") for v in values]
            for name, values in (request.get("headers") or {}).items()
        }
        request["body"] = (request.get("body") or "").encode("latin-1")
    except (AttributeError, TypeError, UnicodeEncodeError) as exc:
        raise BadEntry(f"headers or body of the wrong shape: {exc}") from None
    return request


def spider_method(spider: Any, name: Any) -> bool:
    """True when ``name`` is a method the spider's own code defines (or a Scrapy spider callback)."""
    if not isinstance(name, str) or name.startswith("__"):
        return False
    method = getattr(spider, name, None)
    if not inspect.ismethod(method) or method.__self__ is not spider:
        return False
    if name in SCRAPY_CALLBACKS:
        return True
    if name.startswith("_"):
        return False
    owner = next((c for c in type(spider).__mro__ if name in vars(c)), None)
    module = getattr(owner, "__module__", "") or ""
    return not module.startswith(("scrapy.", "scrapy_redis.", "twisted."))


def request_from_data(data: bytes | str, spider: Any) -> Request:
    """The request a queue entry stands for; BadEntry when it is anything but a request of this crawl."""
    d = loads(data)
    cls = REQUEST_CLASSES.get(d.get("_class", "scrapy.http.request.Request"))
    if cls is None:
        raise BadEntry(f"request class {str(d.get('_class'))[:100]!r} is not allowed")
    for key in ("callback", "errback"):
        if d.get(key) is not None and not spider_method(spider, d[key]):
            raise BadEntry(f"{key} {str(d[key])[:100]!r} is not one of the spider's methods")
    if d.get("meta") is not None and not isinstance(d["meta"], dict):
        raise BadEntry("meta is not an object")
    kwargs = {key: value for key, value in d.items() if key in cls.attributes}
    for key in ("callback", "errback"):
        if d.get(key):
            kwargs[key] = getattr(spider, d[key])
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise BadEntry(f"not a valid request: {exc}") from None
