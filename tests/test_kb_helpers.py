"""Shared builders for the KB tests: snapshots from the real seed answers (ingest takes snapshots, no HTTP)."""

from __future__ import annotations

from datetime import datetime, timedelta

from extract.model import ExtractedPage
from kb.snapshot import Snapshot
from sample_site.seeds import answer_text, load_seeds

T0 = datetime(2026, 1, 5, 8, 0, 0)
SEEDS = load_seeds()
PORTAL = "http://127.0.0.1:8001"
CITY = "http://127.0.0.2:8002"


def seed(i: int) -> tuple[str, str, bool]:
    """(question, answer, has disclaimer) of seed ``i``."""
    s = SEEDS[i]
    return s["question"], answer_text(s["blocks"]), bool(s["disclaimer"])


def page(
    url: str,
    question: str,
    answer: str,
    *,
    disclaimer: bool = False,
    on_topic: bool = True,
    page_type: str = "qa",
    published: str | None = None,
    updated: str | None = None,
    extractor_version: str = "test-1",
    method: str = "main",
    confidence: float = 1.0,
) -> ExtractedPage:
    """An extracted page as the extractor would hand it over (found on the main path, sure of it)."""
    return ExtractedPage(
        url=url,
        question=question,
        answer=answer,
        answer_blocks=[{"type": "paragraph", "text": p} for p in answer.split("\n\n")],
        has_verification_disclaimer=disclaimer,
        disclaimer="本信息整理自互联网公开渠道,仅供参考。" if disclaimer else None,
        is_medical_insurance=on_topic,
        page_type=page_type,
        published=published,
        updated=updated,
        extractor_version=extractor_version,
        method=method if answer else "none",
        confidence=confidence if answer else 0.0,
    )


def snap(
    url: str,
    question: str = "",
    answer: str = "",
    *,
    status: int = 200,
    at: datetime = T0,
    site: str | None = None,
    body: bytes | None = None,
    etag: str | None = None,
    gone_after: int = 1,
    error: str | None = None,
    **page_kw: object,
) -> Snapshot:
    site = site or ("sample-city" if url.startswith(CITY) else "sample-portal")
    extracted = None
    if status == 200 and error is None:
        extracted = page(url, question, answer, **page_kw)  # type: ignore[arg-type]
        if body is None:
            body = f"<html><h1>{question}</h1><div>{answer}</div><p>阅读 {at:%H%M%S}</p></html>".encode()
    return Snapshot(
        url=url,
        status=status,
        fetched_at=at,
        site=site,
        etag=etag,
        content_type="text/html; charset=utf-8" if body else None,
        body=body,
        page=extracted,
        error=error,
        gone_after=gone_after,
    )


def later(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def race_worker(db: str, url: str, question: str, answer: str, barrier: object, out: object) -> None:
    """One process of a race: wait for the others, then ingest and commit (see test_kb_postgres)."""
    from kb.db import get_engine, session
    from kb.ingest import ingest

    get_engine(db).dispose(close=False)  # forked: never touch the parent's pooled connections
    with session(db) as s:
        s.connection()  # open the transaction before the start signal
        barrier.wait()  # type: ignore[attr-defined]
        result = ingest(s, snap(url, question, answer), None)
    out.put((url, result.outcome, result.entry_id))  # type: ignore[attr-defined]
