"""Confidence, visible: pages whose extraction an editor should see are counted and listed, never lost.

Two kinds, per run and per site (``kb.runs.count``) with one ``ExtractionNote`` row each (``kb report``'s
"Extraction to check" section reads them):

- ``low_confidence``: an answer was kept but the extractor is unsure of it (``extract.LOW_CONFIDENCE``:
  the whole-body fallback, a very short answer, no question over it);
- ``no_answer``: a page that asks an on-topic question, or that fed an entry before, yielded no answer
  (a client-rendered shell, a redesign the extractor cannot read). It keeps its page row (``not_qa``)
  and its entry keeps its last answer; nothing is dropped silently.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from extract import LOW_CONFIDENCE, ExtractedPage
from kb import runs
from kb.models import ExtractionNote, Page
from kb.snapshot import Snapshot


def is_low(pg: ExtractedPage) -> bool:
    """An answer was found, but the extractor is not sure it is the page's answer."""
    return bool(pg.answer.strip()) and pg.confidence < LOW_CONFIDENCE


def is_unanswered(pg: ExtractedPage, fed_entry: bool) -> bool:
    """Of a page that gave no usable answer: was one to be expected? Yes for an on-topic question, or a
    page that gave one before; a listing is not a page without an answer."""
    if pg.page_type == "listing":
        return False
    return fed_entry or (pg.is_medical_insurance and bool(pg.question.strip()))


def note(session: Session, run_id: int | None, snap: Snapshot, page: Page, kind: str, now: datetime) -> None:
    """Count the page under ``kind`` in the run and its site, and list it (in the caller's savepoint)."""
    pg = snap.page
    assert pg is not None
    runs.count(session, run_id, kind, fetched=False, site=snap.site)
    session.add(
        ExtractionNote(
            run_id=run_id,
            kind=kind,
            url=page.url,
            site=snap.site,
            entry_id=page.entry_id,
            question=pg.question[:500],
            method=pg.method,
            confidence=pg.confidence,
            detail=(pg.no_answer or "")[:500],
            at=now,
        )
    )
