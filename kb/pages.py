"""Page lifecycle: one fetched URL's row, and what each kind of answer from the site does to it.

A page is created on its first usable fetch (never for a failure); a 404/410 of a URL the KB never had
is a dead link: a row with status ``dead``, no entry, rechecked on a growing interval.
The site answering (200 or 304) makes it seen: alive, validators refreshed, fault streaks reset. A
failure is counted on the page and never touches what it holds. 404/410 count toward ``gone``: a page
is gone after its profile's ``gone_after`` such answers in a row.
"""

from __future__ import annotations

from sqlmodel import Session

from kb import locks, revisit
from kb.bodies import store_body
from kb.models import Page
from kb.snapshot import Snapshot

DEAD = "dead"  # the status of a URL that answered 404/410 and never 200 (:func:`dead_link`)

# What a 404/410 did to a known page (see :func:`gone`).
STILL_GONE, COUNTING, NOW_GONE = "still gone", "counting", "now gone"


def get_or_create(session: Session, snap: Snapshot, priority: int) -> Page:
    """The page row for ``snap.url``, locked; inserted first when the KB does not have it."""
    page = locks.locked_page(session, snap.url)
    if page is None:
        locks.insert_or_skip(
            session,
            Page,
            {
                "url": snap.url,
                "site": snap.site,
                "priority": priority,
                "status": "ok",
                "first_seen": snap.fetched_at,
                "gone_streak": 0,
                "fail_streak": 0,
            },
            "url",
        )
        page = locks.locked_page(session, snap.url)
        assert page is not None
    return page


def seen(page: Page, snap: Snapshot) -> None:
    """The site answered for the page (200 or 304): it is alive, validators refreshed."""
    page.http_status = snap.status
    page.last_fetched = snap.fetched_at
    page.last_seen = snap.fetched_at
    page.first_seen = min(page.first_seen, snap.fetched_at)
    page.gone_streak = 0
    page.fail_streak = 0
    page.last_error = None
    if snap.etag:
        page.etag = snap.etag
    if snap.last_modified:
        page.last_modified = snap.last_modified


def fetched(session: Session, page: Page, snap: Snapshot, priority: int) -> None:
    """A full response: seen (when it is an observation, not a reextract), its body stored."""
    if snap.observed and page.status == DEAD:  # a dead link come alive: a page from now on
        page.first_seen, page.change_interval = snap.fetched_at, None
    if snap.observed:
        seen(page, snap)
        page.site = snap.site
        page.priority = priority
    if snap.body is not None:
        page.body_hash = store_body(session, snap.body, snap.content_type)


def failed(session: Session, page: Page, snap: Snapshot, kind: str, detail: str) -> None:
    """A fetch that failed: counted on the page; its content, validators and entry stay as they were."""
    page.fail_streak += 1
    page.last_error = f"{kind}: {detail}"[:500]
    page.last_fetched = snap.fetched_at
    page.http_status = snap.status or page.http_status
    session.add(page)


def not_modified(session: Session, page: Page, snap: Snapshot) -> bool:
    """A 304: the page is seen and unchanged. True when it had been counted gone (it is back)."""
    was_gone = page.status == "gone"
    seen(page, snap)
    if was_gone:
        page.status = "ok" if page.entry_id else page.status
    revisit.schedule(page, False, snap)
    session.add(page)
    return was_gone


def gone(session: Session, page: Page, snap: Snapshot) -> str:
    """A 404/410: ``STILL_GONE`` (it was already), ``COUNTING`` (not yet ``gone_after`` in a row:
    ``last_error`` says how far), or ``NOW_GONE`` (the page's status is now gone)."""
    page.http_status = snap.status
    page.last_fetched = snap.fetched_at
    session.add(page)
    if page.status == "gone":
        return STILL_GONE
    page.gone_streak += 1
    if page.gone_streak < max(1, snap.gone_after):
        page.last_error = f"http_{snap.status}: {page.gone_streak} of {snap.gone_after} before gone"
        return COUNTING
    page.status = "gone"
    session.flush()
    return NOW_GONE


def dead_link(session: Session, page: Page | None, snap: Snapshot) -> Page:
    """A 404/410 on a URL that never answered 200: its row says ``dead`` and when to check it again
    (``kb.revisit.schedule_dead``), so a dead link is not fetched every night."""
    if page is None:
        locks.insert_or_skip(
            session,
            Page,
            {"url": snap.url, "site": snap.site, "status": DEAD, "first_seen": snap.fetched_at},
            "url",
        )
        page = locks.locked_page(session, snap.url)
        assert page is not None
    page.status = DEAD
    page.http_status = snap.status
    page.last_fetched = snap.fetched_at
    revisit.schedule_dead(page, snap)
    session.add(page)
    return page


def not_an_answer(session: Session, page: Page, snap: Snapshot, status: str) -> None:
    """A listing, a page without an answer (``not_qa``) or off the KB's topic (``off_topic``): no entry,
    but the page is kept, so the next run revisits it with a conditional request."""
    page.status = status
    revisit.schedule(page, False, snap)
    session.add(page)
