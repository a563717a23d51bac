"""Dates and discovery links in embedded app state (the question and answer are :mod:`extract.appstate`'s).

A page rendered in the browser ships an empty shell plus its data: its publication date and its
recommendation lists (links to other pages) are read from there.
"""

from __future__ import annotations

from typing import Any

from extract.meta import PageMeta
from extract.text import compact, squash

_DATE_KEYS = (
    "datePublished", "dateCreated", "publishTime", "publish_time", "publishedAt", "published_at", "pubDate",
    "pub_date", "createTime", "create_time", "createdAt", "created_at", "ctime", "date",
)  # fmt: skip


def _find_date(data: Any, depth: int = 0) -> str | None:
    from extract.meta import to_date

    if depth > 10:
        return None
    if isinstance(data, dict):
        for key in _DATE_KEYS:
            if key in data and (d := to_date(data[key])):
                return d
        for value in data.values():
            if isinstance(value, dict | list) and (d := _find_date(value, depth + 1)):
                return d
    elif isinstance(data, list):
        for item in data[:20]:
            if isinstance(item, dict | list) and (d := _find_date(item, depth + 1)):
                return d
    return None


def published(meta: PageMeta) -> str | None:
    """The first publication date in the app state (JSON-LD dates are read with the meta tags)."""
    for state in meta.app_state:
        if d := _find_date(state):
            return d
    return None


def _links(data: Any, base: str, out: list[dict[str, str]], depth: int = 0) -> None:
    from extract.text import page_link

    if depth > 10 or len(out) > 100:
        return
    if isinstance(data, list):
        for item in data[:200]:
            _links(item, base, out, depth + 1)
    elif isinstance(data, dict):
        title = data.get("title") or data.get("name")
        href = data.get("url") or data.get("href") or data.get("link")
        if isinstance(title, str) and isinstance(href, str) and len(compact(title)) >= 4:
            url = page_link(href, base)
            if url:
                out.append({"title": squash(title)[:200], "url": url})
        for value in data.values():
            if isinstance(value, dict | list):
                _links(value, base, out, depth + 1)


def related(meta: PageMeta, base: str) -> list[dict[str, str]]:
    """Links to other pages listed in the app state (recommendation lists): discovery links."""
    out: list[dict[str, str]] = []
    for state in meta.app_state:
        _links(state, base, out)
    seen: set[str] = set()
    return [r for r in out if not (r["url"] in seen or seen.add(r["url"]))]
