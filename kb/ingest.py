"""Ingest: one observation of one URL (a :class:`~kb.snapshot.Snapshot`) into the KB.

One call is one SAVEPOINT in the caller's transaction: it all lands or none of it does (a failure
leaves only a FetchError and the run's ``failed`` count). Ingesting the same snapshot twice changes
nothing; concurrent ingests of one URL or one answer serialize (``kb.locks``), so one answer never
becomes two entries.

This module holds the rules (which outcome an observation has); the work is done by the modules
named for it: ``kb.pages`` (the page row), ``kb.revisit`` (when to come back), ``kb.entries`` (entries,
versions, events), ``kb.sources`` (which entry a page feeds, the canonical source), ``kb.dedupe``
(copies), ``kb.flags``.

Outcomes: new, changed, unchanged, not_modified, gone, failed, off_topic, not_qa, duplicate, conflict,
dead_link (a 404/410 on a URL that never answered 200).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from extract.model import ExtractedPage
from kb import clock, confidence, dedupe, entries, flags, locks, pages, revisit, runs, sources
from kb.models import Entry, Page
from kb.normalize import normalized
from kb.snapshot import Snapshot

log = logging.getLogger(__name__)


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
            runs.count(session, run_id, result.outcome, fetched=snap.answered, site=snap.site)
        return result
    except DBAPIError:
        raise  # the database itself failed (locked, read-only, gone): the transaction is lost, the caller counts it
    except Exception as exc:  # any fault: nothing of this page is written; say so and go on
        log.exception("ingest of %s failed", snap.url)
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
        with session.begin_nested():
            runs.record_error(session, run_id, snap.url, "ingest_error", detail, now=now, site=snap.site)
            runs.count(session, run_id, "failed", fetched=snap.answered, site=snap.site)
        return IngestResult("failed", detail=detail)


def _ingest(session: Session, snap: Snapshot, run_id: int | None, now: datetime) -> IngestResult:
    page = locks.locked_page(session, snap.url)
    if page is not None and page.last_fetched is not None and snap.fetched_at < page.last_fetched:
        return _older(session, page, snap, run_id, now)
    if snap.status == 304:
        return _not_modified(session, page, snap, run_id, now)
    if snap.status in (404, 410) and (page is None or page.status == pages.DEAD):
        return _dead_link(session, page, snap)
    if snap.status in (404, 410):
        return _gone(session, page, snap, run_id, now)
    if snap.status != 200 or snap.page is None:
        kind = snap.error or (f"http_{snap.status}" if snap.status else "connection")
        if snap.status == 200:
            kind = snap.error or "bad_body"
        return _failed(session, page, snap, run_id, now, kind)
    return _fetched(session, page, snap, run_id, now)


def _older(session: Session, page: Page, snap: Snapshot, run_id: int | None, now: datetime) -> IngestResult:
    """An observation older than one already applied (workers finish out of order): it cannot tell
    us anything newer, and applying it would rewind the page. It does say the page was there then:
    an earlier first seen, which can make the page its entry's canonical source (the rule ranks
    sources by it), as it would have if the observations had come in order."""
    result = IngestResult("unchanged", page.entry_id, None, "older than the last fetch of this page")
    pg = snap.page
    if not (snap.observed and snap.status == 200 and pg is not None and snap.fetched_at < page.first_seen):
        return result  # (a 304 says nothing a page the KB knows did not: it was known before then)
    page.first_seen = snap.fetched_at
    session.add(page)
    if not page.entry_id or page.status != "ok":
        return result
    entry = locks.locked_entry(session, page.entry_id)
    if (
        entry is None
        or entry.canonical_url == page.url
        or not sources.outranks_canonical(session, entry, page)
    ):
        return result
    if page.content_hash == entry.content_hash:
        sources.make_canonical(entry, page)
    else:  # the entry takes the page's content, which this observation must be showing
        norm = normalized(pg.question, pg.answer, disclaimer=pg.has_verification_disclaimer)
        if norm.content_hash != page.content_hash:
            return result  # it showed other content then; the latest is not at hand
        sources.make_canonical(entry, page)
        entries.new_version(session, entry, page, pg, dedupe.signature(norm), run_id, now, "canonical source")
    session.add(entry)
    flags.evaluate(session, entry, now=now, run_id=run_id)
    return IngestResult("unchanged", entry.id, entry.version, f"{result.detail}; now the canonical source")


def _failed(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime, kind: str
) -> IngestResult:
    detail = snap.error_detail or (f"HTTP {snap.status}" if snap.status else kind)
    runs.record_error(session, run_id, snap.url, kind, detail, now=now, site=snap.site)
    if page is not None:
        pages.failed(session, page, snap, kind, detail)
    return IngestResult("failed", page.entry_id if page else None, None, f"{kind}: {detail}")


def _not_modified(
    session: Session, page: Page | None, snap: Snapshot, run_id: int | None, now: datetime
) -> IngestResult:
    if page is None:
        return IngestResult("not_modified", None, None, "304 for a page the KB does not know")
    was_gone = pages.not_modified(session, page, snap)
    entry = locks.locked_entry(session, page.entry_id) if page.entry_id else None
    if entry is None:
        return IngestResult("not_modified", None, None)
    if was_gone:
        entries.returned(session, entry, page, run_id, now)
    entries.seen_again(entry, snap)
    session.add(entry)
    flags.evaluate(session, entry, now=now, run_id=run_id)
    return IngestResult("not_modified", entry.id, entry.version)


def _dead_link(session: Session, page: Page | None, snap: Snapshot) -> IngestResult:
    """A 404/410 on a URL that never answered 200: a dead link (counted, listed), not a fault."""
    page = pages.dead_link(session, page, snap)
    return IngestResult("dead_link", None, None, f"HTTP {snap.status}; next check {page.next_due:%Y-%m-%d}")


def _gone(
    session: Session, page: Page, snap: Snapshot, run_id: int | None, now: datetime
) -> IngestResult:
    state = pages.gone(session, page, snap)
    if state == pages.STILL_GONE:
        return IngestResult("gone", page.entry_id, None, "still gone")
    if state == pages.COUNTING:
        assert page.last_error is not None
        runs.record_error(
            session, run_id, snap.url, f"http_{snap.status}", page.last_error, now=now, site=snap.site
        )
        return IngestResult("failed", page.entry_id, None, page.last_error)
    entry = locks.locked_entry(session, page.entry_id) if page.entry_id else None
    if entry is None:
        return IngestResult("gone", None, None, f"HTTP {snap.status}")
    left = sources.source_lost(session, entry, page)
    if left:
        return IngestResult("gone", entry.id, entry.version, f"one source gone; {left} left")
    entry.status = "gone"
    entry.gone_at = snap.fetched_at
    session.add(entry)
    entries.record_event(
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
    priority = sources.priority(snap)
    page = page or pages.get_or_create(session, snap, priority)
    was_gone = page.status == "gone"
    previous_body = page.body_hash
    pages.fetched(session, page, snap, priority)
    if pg.page_type != "qa" or pg.no_answer or not pg.answer.strip() or not pg.question.strip():
        pages.not_an_answer(session, page, snap, "not_qa")
        if confidence.is_unanswered(pg, page.entry_id is not None):  # counted and listed, never silent
            confidence.note(session, run_id, snap, page, "no_answer", now)
        return IngestResult("not_qa", page.entry_id, None, pg.no_answer or pg.page_type)
    if not pg.is_medical_insurance:
        pages.not_an_answer(session, page, snap, "off_topic")
        return IngestResult("off_topic", page.entry_id, None, "not about medical insurance")
    if confidence.is_low(pg):
        confidence.note(session, run_id, snap, page, "low_confidence", now)
    page.status = "ok"
    norm = normalized(pg.question, pg.answer, disclaimer=pg.has_verification_disclaimer)
    chash = norm.content_hash
    session.add(page)
    if not page.entry_id:
        return _place(session, page, pg, dedupe.signature(norm), snap, run_id, now)

    # Lock order everywhere: page, then the dedupe lock (when a copy search may follow), then entry.
    peek = session.get(Entry, page.entry_id)
    sig: dedupe.Signature | None = None
    if (
        peek is not None
        and peek.canonical_url != page.url
        and chash not in (page.content_hash, peek.content_hash)
    ):
        sig = dedupe.signature(norm)
        locks.lock_dedupe(session, sig.bands)
    entry = locks.locked_entry(session, page.entry_id)
    assert entry is not None
    if was_gone:
        entries.returned(session, entry, page, run_id, now)
    entries.seen_again(entry, snap)
    canonical = entry.canonical_url == page.url
    if page.content_hash == chash or entry.content_hash == chash:
        page.content_hash = chash
        if canonical:
            entries.page_dates(entry, pg)
        revisit.schedule(page, False, snap)
        session.add_all([page, entry])
        current = norm if entry.content_hash == chash else None  # not a held-back (suspect) version's
        flags.evaluate(session, entry, now=now, run_id=run_id, content=current)
        return IngestResult("unchanged", entry.id, entry.version)
    sig = sig or dedupe.signature(norm)
    if canonical:
        reason = "reextract" if previous_body and previous_body == page.body_hash else "content"
        page.content_hash = chash
        entries.new_version(session, entry, page, pg, sig, run_id, now, reason)
        revisit.schedule(page, True, snap)
        session.add(page)
        flags.evaluate(session, entry, now=now, run_id=run_id, content=norm)
        return IngestResult("changed", entry.id, entry.version)
    # A secondary source changed: still a copy of its entry, or now an answer of its own.
    locks.lock_dedupe(session, sig.bands)
    match = dedupe.find_match(session, sig)
    if match is not None and match.entry_id == entry.id and match.kind != "conflict":
        page.content_hash = chash
        revisit.schedule(page, True, snap)
        session.add_all([page, entry])
        flags.evaluate(session, entry, now=now, run_id=run_id, content=norm)
        return IngestResult("unchanged", entry.id, entry.version, "copy still matches its entry")
    sources.detach(page)
    session.add(page)
    session.flush()
    return _place(session, page, pg, sig, snap, run_id, now)


def _place(
    session: Session,
    page: Page,
    pg: ExtractedPage,
    sig: dedupe.Signature,
    snap: Snapshot,
    run_id: int | None,
    now: datetime,
) -> IngestResult:
    """A page whose answer belongs to no entry yet: a copy of one, a conflict with one, or new."""
    chash = sig.norm.content_hash
    locks.lock_dedupe(session, sig.bands)
    match = dedupe.find_match(session, sig)
    if match is not None and match.kind in ("exact", "near"):
        entry = locks.locked_entry(session, match.entry_id)
        assert entry is not None
        sources.attach(page, entry.id, chash)
        revisit.schedule(page, True, snap)
        session.add(page)
        entries.seen_again(entry, snap)
        entries.record_event(
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
        if sources.outranks_canonical(session, entry, page):
            sources.make_canonical(entry, page)
            if chash != entry.content_hash:
                entries.new_version(session, entry, page, pg, sig, run_id, now, "canonical source")
            else:  # same content: the entry still takes its dates from its canonical source
                entries.page_dates(entry, pg)
        session.add(entry)
        flags.evaluate(session, entry, now=now, run_id=run_id, content=sig.norm)
        return IngestResult("duplicate", entry.id, entry.version, f"{match.kind} copy of {match.url}")
    entry = entries.create_entry(session, page, pg, sig, snap, run_id, now)
    revisit.schedule(page, True, snap)
    session.add(page)
    if match is not None:  # conflict: same question, other figures
        entries.record_event(
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
        flags.evaluate(session, entry, now=now, run_id=run_id, content=sig.norm)
        return IngestResult("conflict", entry.id, 1, f"conflicts with {match.entry_id}")
    flags.evaluate(session, entry, now=now, run_id=run_id, content=sig.norm)
    return IngestResult("new", entry.id, 1)
