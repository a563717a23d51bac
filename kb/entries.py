"""Entries and their versions: creating an entry, adding a version, and the events that record both.

An entry's id is stable (derived from the URL of its first page); a version is an immutable snapshot
of its content, made only when the normalized question or answer really changes (the caller decides:
see ``kb.ingest``). Every change is an Event, which the report reads; every version's MinHash bands are the dedupe
index (``kb.dedupe.store_bands``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from extract.model import ExtractedPage
from kb import dedupe, sources, suspect
from kb.models import Entry, Event, Page, Version
from kb.snapshot import Snapshot


def record_event(
    session: Session,
    run_id: int | None,
    entry_id: str,
    kind: str,
    now: datetime,
    *,
    url: str | None = None,
    version_from: int | None = None,
    version_to: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            run_id=run_id,
            entry_id=entry_id,
            kind=kind,
            at=now,
            url=url,
            version_from=version_from,
            version_to=version_to,
            detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
        )
    )


def entry_id_for(session: Session, url: str) -> str:
    """``e`` + 15 hex of sha1(canonical URL of the first page); a suffix in the rare reuse."""
    for n in range(1000):
        seed = url if n == 0 else f"{url}#{n}"
        candidate = "e" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:15]
        if session.get(Entry, candidate) is None:
            return candidate
    raise RuntimeError(f"no free entry id for {url}")


def last_number(session: Session, entry_id: str) -> int:
    """The entry's highest version number: above its current one when versions are held back
    (``kb.suspect``)."""
    return session.exec(select(func.max(Version.number)).where(Version.entry_id == entry_id)).one() or 0


def page_dates(entry: Entry, pg: ExtractedPage) -> None:
    """The entry's published/updated dates are its canonical source's (kept when a page has none)."""
    entry.published = pg.published or entry.published
    entry.updated = pg.updated or entry.updated


def new_version(
    session: Session,
    entry: Entry,
    page: Page,
    pg: ExtractedPage,
    sig: dedupe.Signature,
    run_id: int | None,
    now: datetime,
    reason: str,
) -> None:
    """Make ``pg``'s content (normalized and signed: ``sig``) the entry's next version (an ``added``
    event for the first, else ``changed``)."""
    chash = sig.norm.content_hash
    number = max(entry.version, last_number(session, entry.id)) + 1  # held versions sit above the current
    session.add(
        Version(
            entry_id=entry.id,
            number=number,
            question=pg.question,
            answer=pg.answer,
            answer_blocks=json.dumps(pg.answer_blocks, ensure_ascii=False),
            content_hash=chash,
            has_verification_disclaimer=pg.has_verification_disclaimer,
            disclaimer=pg.disclaimer,
            has_medical_tip=pg.has_medical_tip,
            is_medical_insurance=pg.is_medical_insurance,
            published=pg.published,
            updated=pg.updated,
            source_url=page.url,
            body_hash=page.body_hash,
            run_id=run_id,
            extractor_version=pg.extractor_version,
            created_at=now,
            method=pg.method,
            confidence=pg.confidence,
        )
    )
    old = entry.version
    entry.version = number
    if entry.status in suspect.HIDDEN:  # a change after an editor's reject (or before their word) is news
        entry.status = "active"
    entry.content_hash = chash
    entry.question = pg.question
    dedupe.store_bands(session, entry.id, entry.minhash, sig)
    entry.minhash = dedupe.to_bytes(sig.minhash)
    entry.updated_at = now
    page_dates(entry, pg)
    session.add(entry)
    if number == 1:
        record_event(session, run_id, entry.id, "added", now, url=page.url, version_to=1)
    else:
        record_event(
            session,
            run_id,
            entry.id,
            "changed",
            now,
            url=page.url,
            version_from=old,
            version_to=number,
            detail={"reason": reason},
        )
    session.flush()


def create_entry(
    session: Session,
    page: Page,
    pg: ExtractedPage,
    sig: dedupe.Signature,
    snap: Snapshot,
    run_id: int | None,
    now: datetime,
) -> Entry:
    """A new entry for ``page``'s answer, its first version, and the page as its (canonical) source."""
    entry = Entry(
        id=entry_id_for(session, page.url),
        question=pg.question,
        site=page.site,
        canonical_url=page.url,
        is_medical_insurance=pg.is_medical_insurance,
        first_seen=snap.fetched_at,
        updated_at=now,
        last_seen=snap.fetched_at,
    )
    session.add(entry)
    session.flush()
    sources.attach(page, entry.id, sig.norm.content_hash)
    session.add(page)
    new_version(session, entry, page, pg, sig, run_id, now, "new")
    return entry


def returned(session: Session, entry: Entry, page: Page, run_id: int | None, now: datetime) -> None:
    """A gone entry's page answers again: the entry is active again (a ``returned`` event)."""
    if entry.status == "gone":
        entry.status = "active"
        entry.gone_at = None
        session.add(entry)
        record_event(session, run_id, entry.id, "returned", now, url=page.url, version_to=entry.version)


def seen_again(entry: Entry, snap: Snapshot) -> None:
    """One of the entry's sources answered: the entry was seen then."""
    entry.last_seen = max(entry.last_seen, snap.fetched_at)
