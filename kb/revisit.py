"""Revisits: when to fetch a page again, and what the spiders read from the KB to do it.

The interval adapts to the page: halved (down to ``MIN_INTERVAL``) when it changed, stretched by half
(up to ``MAX_INTERVAL``) when it did not. A revisit is conditional: the spiders send the validators
the KB stored (If-None-Match / If-Modified-Since), and on a 304 they read the page's links from the
body the KB stored when it last came in full. Spiders never query the KB themselves: they call these.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, tuple_
from sqlmodel import Session, select

from kb.bodies import load_body
from kb.models import Flag, Page, Verification
from kb.snapshot import Snapshot

FIRST_INTERVAL = timedelta(days=1)
MIN_INTERVAL = timedelta(hours=6)
MAX_INTERVAL = timedelta(days=30)


def schedule(page: Page, changed: bool, snap: Snapshot) -> None:
    """Set the page's next revisit from this observation (a reextract is none: nothing moves)."""
    if not snap.observed:
        return
    at = snap.fetched_at
    interval = timedelta(seconds=page.change_interval) if page.change_interval else FIRST_INTERVAL
    interval = max(MIN_INTERVAL, interval / 2) if changed else min(MAX_INTERVAL, interval * 1.5)
    page.change_interval = interval.total_seconds()
    page.next_due = at + interval
    if changed:
        page.last_changed = at


DEAD_FIRST_INTERVAL = timedelta(days=7)
DEAD_MAX_INTERVAL = timedelta(days=90)


def schedule_dead(page: Page, snap: Snapshot) -> None:
    """A dead link's next check: a week, then twice as long each time it is still dead (up to 90 days)."""
    if page.change_interval:
        interval = min(DEAD_MAX_INTERVAL, timedelta(seconds=page.change_interval) * 2)
    else:
        interval = DEAD_FIRST_INTERVAL
    page.change_interval = interval.total_seconds()
    page.next_due = snap.fetched_at + interval


def resting(page: KnownPage | None, now: datetime) -> bool:
    """A known dead link not due for its next check: the spiders leave it alone tonight."""
    return page is not None and page.status == "dead" and page.next_due is not None and page.next_due > now


@dataclass
class KnownPage:
    """A page the KB knows, with what a conditional revisit needs."""

    url: str
    site: str
    status: str
    etag: str | None
    last_modified: str | None
    next_due: datetime | None
    last_fetched: datetime | None
    flagged: bool
    verified: bool
    entry_id: str | None = None


def known_pages(
    session: Session, site: str | None = None, due_before: datetime | None = None
) -> list[KnownPage]:
    """Every page :func:`pages_in_order` gives, at once (a spider that must know every page of its site)."""
    return list(pages_in_order(lambda: nullcontext(session), site, due_before))


def pages_in_order(
    open_session: Callable[[], AbstractContextManager[Session]],
    site: str | None = None,
    due_before: datetime | None = None,
    batch: int = 1000,
) -> Iterator[KnownPage]:
    """Pages to revisit: flagged and never-verified entries' pages first, then by ``next_due``
    (never-scheduled pages first), then by URL; read ``batch`` at a time, so memory stays flat on a
    KB of any size. Each batch is a short query in a session of its own (``open_session()``: a
    crawl reads them over hours, holding no transaction open between): keyset on (``next_due``,
    ``url``) along the ``ix_page_due`` index.

    Pages already counted gone are left out (a gone page is not re-requested by a refresh);
    ``due_before`` keeps only pages due by then (never-scheduled pages are always due).
    """
    flagged = exists().where(Flag.entry_id == Page.entry_id, Flag.cleared_at.is_(None))
    verified = exists().where(Verification.entry_id == Page.entry_id)
    first = and_(flagged, ~verified)
    columns = (
        Page.url,
        Page.site,
        Page.status,
        Page.etag,
        Page.last_modified,
        Page.next_due,
        Page.last_fetched,
    )
    base = select(*columns, flagged.label("flagged"), verified.label("verified"), Page.entry_id)
    base = base.where(Page.status != "gone")
    if site:
        base = base.where(Page.site == site)
    for group in (first, ~first):
        unscheduled = base.where(group, Page.next_due.is_(None))
        yield from _keyset(
            open_session, unscheduled, batch, lambda q, last: q.where(Page.url > last.url), Page.url
        )
        scheduled = base.where(group, Page.next_due.is_not(None))
        if due_before is not None:
            scheduled = scheduled.where(Page.next_due <= due_before)
        yield from _keyset(
            open_session,
            scheduled,
            batch,
            lambda q, last: q.where(tuple_(Page.next_due, Page.url) > tuple_(last.next_due, last.url)),
            Page.next_due,
            Page.url,
        )


def _keyset(
    open_session: Callable[[], AbstractContextManager[Session]],
    query: Any,
    batch: int,
    after: Any,
    *order: Any,
) -> Iterator[KnownPage]:
    """``query``'s rows in ``order``, ``batch`` per query, each batch starting ``after`` the last row."""
    last: KnownPage | None = None
    while True:
        page_query = query if last is None else after(query, last)
        with open_session() as session:
            rows = session.exec(page_query.order_by(*order).limit(batch)).all()
        for *fields, flagged, verified, entry_id in rows:
            last = KnownPage(*fields, flagged=bool(flagged), verified=bool(verified), entry_id=entry_id)
            yield last
        if len(rows) < batch:
            return


def body_hashes(session: Session, urls: Container[str]) -> dict[str, str]:
    """url -> stored body hash for the pages in ``urls``, in one query (a 304 reads its links from it)."""
    rows = session.exec(select(Page.url, Page.body_hash).where(Page.body_hash.is_not(None))).all()
    return {url: digest for url, digest in rows if url in urls}


def stored_body(session: Session, digest: str) -> bytes | None:
    """The body stored under ``digest`` (a page's last full response), None when the KB lacks it."""
    try:
        return load_body(session, digest)
    except KeyError:
        return None
