"""``kb reextract``: run the current extractor over the bodies the KB already stored.

When the extraction rules change, answers are rebuilt from the stored bodies instead of fetching
again. Each page goes through ingest like a fetch (same rules, same dedupe), but it is not an
observation of the site: validators, ``last_seen`` and the revisit schedule stay as they were. A
version is made only where the normalized answer really changes, so a rules change re-versions an
entry at most once, and a second reextract changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from sqlmodel import Session, select

from extract.model import ExtractedPage
from kb import clock, runs
from kb.bodies import load_body
from kb.ingest import IngestResult, ingest
from kb.models import Body, Page
from kb.snapshot import Snapshot

Extract = Callable[[bytes, str, str | None], ExtractedPage]
SOURCE = "reextract"


def pages_with_bodies(session: Session, site: str | None = None) -> list[tuple[str, str]]:
    """(url, body hash) of every page with a stored body, gone pages left out."""
    query = select(Page.url, Page.body_hash).where(Page.body_hash.is_not(None), Page.status != "gone")
    if site:
        query = query.where(Page.site == site)
    return [(url, digest) for url, digest in session.exec(query.order_by(Page.id)).all()]


def reextract_page(
    session: Session, url: str, extract: Extract, run_id: int | None, now: datetime
) -> IngestResult:
    """Re-extract one page's stored body and ingest the result (one SAVEPOINT, like a fetch)."""
    page = session.exec(select(Page).where(Page.url == url)).one()
    assert page.body_hash is not None
    body = load_body(session, page.body_hash)
    content_type = session.exec(select(Body.content_type).where(Body.hash == page.body_hash)).first()
    extracted = extract(body, url, content_type)
    snap = Snapshot(
        url=url,
        status=200,
        fetched_at=page.last_fetched or page.first_seen,
        site=page.site,
        content_type=content_type,
        body=None,  # already stored; the page keeps its body hash
        page=extracted,
        priority=page.priority,
        extra={"source": SOURCE},
    )
    return ingest(session, snap, run_id, now=now)


def reextract(
    session: Session,
    *,
    site: str | None = None,
    extract: Extract | None = None,
    run_id: int | None = None,
    now: datetime | None = None,
) -> Iterator[tuple[str, IngestResult]]:
    """Re-extract every stored page (committing each), yielding (url, result) as it goes."""
    if extract is None:
        from extract import extract_page  # lazily: only this command needs the extractor

        extract = extract_page
    now = now or clock.now()
    for url, _digest in pages_with_bodies(session, site):
        result = reextract_page(session, url, extract, run_id, now)
        session.commit()
        yield url, result


def run_reextract(
    session: Session,
    *,
    site: str | None = None,
    extract: Extract | None = None,
    now: datetime | None = None,
    on_page: Callable[[str, IngestResult], None] | None = None,
    args: dict[str, str] | None = None,
) -> tuple[int, Counter[str]]:
    """A whole reextract as one Run (kind ``reextract``): its id and the outcome counts."""
    run = runs.start_run(session, kind=SOURCE, site=site, args=args, now=now)
    counts: Counter[str] = Counter()
    try:
        for url, result in reextract(session, site=site, extract=extract, run_id=run.id, now=now):
            counts[result.outcome] += 1
            if on_page is not None:
                on_page(url, result)
    except BaseException:
        session.rollback()
        runs.finish_run(session, run.id, "interrupted")
        raise
    total = sum(counts.values())
    runs.finish_run(session, run.id, "failed" if total and counts["failed"] > total / 2 else "ok")
    return run.id, counts
