"""Revisits: when to fetch a page again, and what the spiders read from the KB to do it.

The interval adapts to the page: halved (down to ``MIN_INTERVAL``) when it changed, stretched by half
(up to ``MAX_INTERVAL``) when it did not. A revisit is conditional: the spiders send the validators
the KB stored (If-None-Match / If-Modified-Since), and on a 304 they read the page's links from the
body the KB stored when it last came in full. Spiders never query the KB themselves: they call these.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists
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
    """Pages to revisit: flagged and never-verified entries' pages first, then by ``next_due``.

    Pages already counted gone are left out (a gone page is not re-requested by a refresh);
    ``due_before`` keeps only pages due by then (never-scheduled pages are always due).
    """
    flagged = exists().where(Flag.entry_id == Page.entry_id, Flag.cleared_at.is_(None))
    verified = exists().where(Verification.entry_id == Page.entry_id)
    query = select(Page, flagged.label("flagged"), verified.label("verified")).where(Page.status != "gone")
    if site:
        query = query.where(Page.site == site)
    if due_before is not None:
        query = query.where((Page.next_due.is_(None)) | (Page.next_due <= due_before))
    rows = session.exec(query).all()
    pages = [
        KnownPage(
            url=p.url,
            site=p.site,
            status=p.status,
            etag=p.etag,
            last_modified=p.last_modified,
            next_due=p.next_due,
            last_fetched=p.last_fetched,
            flagged=bool(f),
            verified=bool(v),
            entry_id=p.entry_id,
        )
        for p, f, v in rows
    ]
    pages.sort(key=lambda k: (not (k.flagged and not k.verified), k.next_due or datetime.min, k.url))
    return pages


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
