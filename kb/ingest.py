"""Ingest: one observation of one URL (a :class:`~kb.snapshot.Snapshot`) into the KB.

One call is one SAVEPOINT in the caller's transaction: it all lands or none of it does (a failure
leaves only a FetchError and the run's ``failed`` count). Ingesting the same snapshot twice changes
nothing; two workers ingesting the same URL at once serialize on the page row (``SELECT … FOR
UPDATE``), and on PostgreSQL the near-duplicate search and entry creation run under a transaction
advisory lock, so one answer never becomes two entries.

Outcomes: new, changed, unchanged, not_modified, gone, failed, off_topic, not_qa, duplicate, conflict.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from extract.model import ExtractedPage
from kb import clock, dedupe, flags, runs
from kb.bodies import store_body
from kb.models import Entry, Event, Page, Version
from kb.normalize import content_hash
from kb.snapshot import Snapshot
from sites import profiles

log = logging.getLogger(__name__)

# Revisit schedule: halve the interval when a page changed, stretch it when it did not.
FIRST_INTERVAL = timedelta(days=1)
MIN_INTERVAL = timedelta(hours=6)
MAX_INTERVAL = timedelta(days=30)
_DEDUPE_LOCK = 0x6B62_6465_6475  # pg_advisory_xact_lock key: "kbdedu"


@dataclass
class IngestResult:
    outcome: str
    entry_id: str | None = None
    version: int | None = None
    detail: str = ""


def ingest(
    session: Session, snap: Snapshot, run_id: int | None, *, now: datetime | None = None
) -> IngestResult:
    """Apply ``snap`` to the KB inside a SAVEPOINT; the caller commits. Never half-writes."""
    now = now or clock.now()
    try:
        with session.begin_nested():
            result = _ingest(session, snap, run_id, now)
            runs.count(session, run_id, result.outcome, fetched=snap.extra.get("source") != "reextract")
        return result
    except Exception as exc:  # any fault: nothing of this page is written; say so and go on
        log.exception("ingest of %s failed", snap.url)
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
        with session.begin_nested():
            runs.record_error(session, run_id, snap.url, "ingest_error", detail, now=now)
            runs.count(session, run_id, "failed")
        return IngestResult("failed", detail=detail)


# --- pages -------------------------------------------------------------------------------------


def _insert(session: Session, model: type, values: dict[str, Any], key: str) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING: a concurrent insert of the same row is not an error."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(model).values(**values).on_conflict_do_nothing(index_elements=[key]))


def _locked_page(session: Session, url: str) -> Page | None:
    return session.exec(
        select(Page).where(Page.url == url).with_for_update().execution_options(populate_existing=True)
    ).first()


def _page(session: Session, snap: Snapshot, priority: int) -> Page:
    page = _locked_page(session, snap.url)
    if page is None:
        _insert(
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
        page = _locked_page(session, snap.url)
        assert page is not None
    return page


def _priority(snap: Snapshot) -> int:
    """Source priority: the snapshot's, else the site profile's (an official site before a portal)."""
    return snap.priority or profiles.get(snap.site).priority


def _source_key(page: Page) -> tuple[int, datetime, str]:
    """The canonical-source rule: higher profile priority first, then first seen, then URL."""
    return (-page.priority, page.first_seen, page.url)


def _observed(snap: Snapshot) -> bool:
    """A fetch is an observation of the site; a ``kb reextract`` of a stored body is not."""
    return snap.extra.get("source") != "reextract"


def _schedule(page: Page, changed: bool, snap: Snapshot) -> None:
    if not _observed(snap):
        return
    at = snap.fetched_at
    interval = timedelta(seconds=page.change_interval) if page.change_interval else FIRST_INTERVAL
    interval = max(MIN_INTERVAL, interval / 2) if changed else min(MAX_INTERVAL, interval * 1.5)
    page.change_interval = interval.total_seconds()
    page.next_due = at + interval
    if changed:
        page.last_changed = at


def _seen(page: Page, snap: Snapshot) -> None:
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


# --- events and entries ------------------------------------------------------------------------


def _event(
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


def _new_version(
    session: Session,
    entry: Entry,
    page: Page,
    pg: ExtractedPage,
    snap: Snapshot,
    run_id: int | None,
    now: datetime,
    chash: str,
    reason: str,
) -> None:
    mh = dedupe.minhash(dedupe.shingles(dedupe.dedupe_text(pg.question, pg.answer)))
    number = entry.version + 1
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
        )
    )
    old = entry.version
    entry.version = number
    entry.content_hash = chash
    entry.question = pg.question
    entry.minhash = dedupe.to_bytes(mh)
    entry.updated_at = now
    _page_dates(entry, pg)
    session.add(entry)
    if number == 1:
        _event(session, run_id, entry.id, "added", now, url=page.url, version_to=1)
    else:
        _event(
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
    dedupe.remember(session, entry.id, chash, mh, pg.question)


def _page_dates(entry: Entry, pg: ExtractedPage) -> None:
    entry.published = pg.published or entry.published
    entry.updated = pg.updated or entry.updated


def _create_entry(
    session: Session,
    page: Page,
    pg: ExtractedPage,
    snap: Snapshot,
    run_id: int | None,
    now: datetime,
    chash: str,
) -> Entry:
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
    page.entry_id = entry.id
    page.content_hash = chash
    session.add(page)
    _new_version(session, entry, page, pg, snap, run_id, now, chash, "new")
    return entry


def _locked_entry(session: Session, entry_id: str) -> Entry | None:
    return session.exec(
        select(Entry).where(Entry.id == entry_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def _sources(session: Session, entry_id: str, *, active: bool = True) -> list[Page]:
    query = select(Page).where(Page.entry_id == entry_id)
    if active:
        query = query.where(Page.status != "gone")
    return list(session.exec(query).all())


def _returned(session: Session, entry: Entry, page: Page, run_id: int | None, now: datetime) -> None:
    if entry.status == "gone":
        entry.status = "active"
        entry.gone_at = None
        session.add(entry)
        _event(session, run_id, entry.id, "returned", now, url=page.url, version_to=entry.version)


# --- the rules ---------------------------------------------------------------------------------


def _ingest(session: Session, snap: Snapshot, run_id: int | None, now: datetime) -> IngestResult:
    page = _locked_page(session, snap.url)
    if page is not None and page.last_fetched is not None and snap.fetched_at < page.last_fetched:
        # An observation older than one already applied (workers finish out of order): it cannot
        # tell us anything newer, and applying it would rewind the page.
        return IngestResult("unchanged", page.entry_id, None, "older than the last fetch of this page")
    if snap.status == 304:
        return _not_modified(session, page, snap, run_id, now)
    if snap.status in (404, 410):
        return _gone(session, page, snap, run_id, now)
    if snap.status != 200 or snap.page is None:
        kind = snap.error or (f"http_{snap.status}" if snap.status else "connection")
        if snap.status == 200:
            kind = snap.error or "bad_body"
        return _failed(session, page, snap, run_id, now, kind)
    return _fetched(session, page, snap, run_id, now)


def _failed(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime, kind: str
) -> IngestResult:
    detail = snap.error_detail or (f"HTTP {snap.status}" if snap.status else kind)
    runs.record_error(session, run_id, snap.url, kind, detail, now=now)
    if page is not None:
        page.fail_streak += 1
        page.last_error = f"{kind}: {detail}"[:500]
        page.last_fetched = snap.fetched_at
        page.http_status = snap.status or page.http_status
        session.add(page)
    return IngestResult("failed", page.entry_id if page else None, None, f"{kind}: {detail}")


def _not_modified(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime
) -> IngestResult:
    if page is None:
        return IngestResult("not_modified", None, None, "304 for a page the KB does not know")
    was_gone = page.status == "gone"
    _seen(page, snap)
    if was_gone:
        page.status = "ok" if page.entry_id else page.status
    _schedule(page, False, snap)
    session.add(page)
    entry = _locked_entry(session, page.entry_id) if page.entry_id else None
    if entry is None:
        return IngestResult("not_modified", None, None)
    if was_gone:
        _returned(session, entry, page, run_id, now)
    entry.last_seen = max(entry.last_seen, snap.fetched_at)
    session.add(entry)
    flags.evaluate(session, entry, now=now, run_id=run_id)
    return IngestResult("not_modified", entry.id, entry.version)


def _gone(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime
) -> IngestResult:
    if page is None:
        runs.record_error(
            session, run_id, snap.url, f"http_{snap.status}", "a page the KB never had", now=now
        )
        return IngestResult("failed", None, None, f"HTTP {snap.status} for an unknown page")
    page.http_status = snap.status
    page.last_fetched = snap.fetched_at
    if page.status == "gone":
        session.add(page)
        return IngestResult("gone", page.entry_id, None, "still gone")
    page.gone_streak += 1
    if page.gone_streak < max(1, snap.gone_after):
        page.last_error = f"http_{snap.status}: {page.gone_streak} of {snap.gone_after} before gone"
        session.add(page)
        runs.record_error(session, run_id, snap.url, f"http_{snap.status}", page.last_error, now=now)
        return IngestResult("failed", page.entry_id, None, page.last_error)
    page.status = "gone"
    session.add(page)
    session.flush()
    entry = _locked_entry(session, page.entry_id) if page.entry_id else None
    if entry is None:
        return IngestResult("gone", None, None, f"HTTP {snap.status}")
    left = [p for p in _sources(session, entry.id) if p.id != page.id]
    if left:
        if entry.canonical_url == page.url:
            best = min(left, key=_source_key)
            entry.canonical_url, entry.site = best.url, best.site
            session.add(entry)
        return IngestResult("gone", entry.id, entry.version, f"one source gone; {len(left)} left")
    entry.status = "gone"
    entry.gone_at = snap.fetched_at
    session.add(entry)
    _event(
        session,
        run_id,
        entry.id,
        "gone",
        now,
        url=page.url,
        version_from=entry.version,
        detail={"status": snap.status},
    )
    session.flush()
    flags.evaluate(session, entry, now=now, run_id=run_id)
    return IngestResult("gone", entry.id, entry.version, f"HTTP {snap.status}")


def _fetched(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime
) -> IngestResult:
    pg = snap.page
    assert pg is not None
    priority = _priority(snap)
    page = page or _page(session, snap, priority)
    was_gone = page.status == "gone"
    previous_body = page.body_hash
    if _observed(snap):
        _seen(page, snap)
        page.site = snap.site
        page.priority = priority
    if snap.body is not None:
        page.body_hash = store_body(session, snap.body, snap.content_type)
    if pg.page_type != "qa" or pg.no_answer or not pg.answer.strip() or not pg.question.strip():
        page.status = "not_qa"
        _schedule(page, False, snap)
        session.add(page)
        return IngestResult("not_qa", page.entry_id, None, pg.no_answer or pg.page_type)
    if not pg.is_medical_insurance:
        page.status = "off_topic"
        _schedule(page, False, snap)
        session.add(page)
        return IngestResult("off_topic", page.entry_id, None, "not about medical insurance")
    page.status = "ok"
    chash = content_hash(pg.question, pg.answer, disclaimer=pg.has_verification_disclaimer)
    session.add(page)

    if page.entry_id:
        # Lock order everywhere: page, then the dedupe lock (when a copy search may follow), then entry.
        peek = session.get(Entry, page.entry_id)
        if (
            peek is not None
            and peek.canonical_url != page.url
            and chash not in (page.content_hash, peek.content_hash)
        ):
            _lock_dedupe(session)
        entry = _locked_entry(session, page.entry_id)
        assert entry is not None
        if was_gone:
            _returned(session, entry, page, run_id, now)
        entry.last_seen = max(entry.last_seen, snap.fetched_at)
        canonical = entry.canonical_url == page.url
        if page.content_hash == chash or entry.content_hash == chash:
            page.content_hash = chash
            if canonical:
                _page_dates(entry, pg)
            _schedule(page, False, snap)
            session.add_all([page, entry])
            flags.evaluate(session, entry, now=now, run_id=run_id)
            return IngestResult("unchanged", entry.id, entry.version)
        if canonical:
            reason = "reextract" if previous_body and previous_body == page.body_hash else "content"
            page.content_hash = chash
            _new_version(session, entry, page, pg, snap, run_id, now, chash, reason)
            _schedule(page, True, snap)
            session.add(page)
            flags.evaluate(session, entry, now=now, run_id=run_id)
            return IngestResult("changed", entry.id, entry.version)
        # A secondary source changed: still a copy of its entry, or now an answer of its own.
        _lock_dedupe(session)
        match = dedupe.find_match(session, pg.question, pg.answer, chash)
        if match is not None and match.entry_id == entry.id and match.kind != "conflict":
            page.content_hash = chash
            _schedule(page, True, snap)
            session.add_all([page, entry])
            flags.evaluate(session, entry, now=now, run_id=run_id)
            return IngestResult("unchanged", entry.id, entry.version, "copy still matches its entry")
        page.entry_id = None
        page.content_hash = None
        session.add(page)
        session.flush()
        return _place(session, page, pg, snap, run_id, now, chash)
    return _place(session, page, pg, snap, run_id, now, chash)


def _lock_dedupe(session: Session) -> None:
    """On PostgreSQL, serialize "find a copy, else create an entry" across workers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DEDUPE_LOCK})


def _place(
    session: Session,
    page: Page,
    pg: ExtractedPage,
    snap: Snapshot,
    run_id: int | None,
    now: datetime,
    chash: str,
) -> IngestResult:
    """A page whose answer belongs to no entry yet: a copy of one, a conflict with one, or new."""
    _lock_dedupe(session)
    match = dedupe.find_match(session, pg.question, pg.answer, chash)
    if match is not None and match.kind in ("exact", "near"):
        entry = _locked_entry(session, match.entry_id)
        assert entry is not None
        page.entry_id = entry.id
        page.content_hash = chash
        _schedule(page, True, snap)
        session.add(page)
        entry.last_seen = max(entry.last_seen, snap.fetched_at)
        _event(
            session,
            run_id,
            entry.id,
            "merged",
            now,
            url=page.url,
            version_to=entry.version,
            detail={"source_url": page.url, "similarity": round(match.similarity, 4), "match": match.kind},
        )
        session.flush()
        current = session.exec(select(Page).where(Page.url == entry.canonical_url)).first()
        if current is None or current.status == "gone" or _source_key(page) < _source_key(current):
            entry.canonical_url, entry.site = page.url, page.site
            if chash != entry.content_hash:
                _new_version(session, entry, page, pg, snap, run_id, now, chash, "canonical source")
            else:  # same content: the entry still takes its dates from its canonical source
                _page_dates(entry, pg)
        session.add(entry)
        flags.evaluate(session, entry, now=now, run_id=run_id)
        return IngestResult("duplicate", entry.id, entry.version, f"{match.kind} copy of {match.url}")
    entry = _create_entry(session, page, pg, snap, run_id, now, chash)
    _schedule(page, True, snap)
    session.add(page)
    if match is not None:  # conflict: same question, other figures
        _event(
            session,
            run_id,
            entry.id,
            "conflict",
            now,
            url=page.url,
            version_to=1,
            detail={
                "other_entry": match.entry_id,
                "url": match.url,
                "similarity": round(match.similarity, 4),
            },
        )
        flags.evaluate(session, entry, now=now, run_id=run_id)
        return IngestResult("conflict", entry.id, 1, f"conflicts with {match.entry_id}")
    flags.evaluate(session, entry, now=now, run_id=run_id)
    return IngestResult("new", entry.id, 1)
