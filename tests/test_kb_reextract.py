"""``kb reextract`` logic: stored bodies through a changed rule set re-version only what changed,
at most once; the site's validators and schedule are untouched (a reextract is not a fetch)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlmodel import select

import sample_site
from extract.model import ExtractedPage
from kb.db import session as kb_session
from kb.ingest import ingest
from kb.models import Event, Page, Run, Version
from kb.reextract import run_reextract
from tests.test_kb_helpers import PORTAL, later, page, seed, snap

SIGNATURE = "(来源:本站整理)"


def rules(version: str):  # type: ignore[no-untyped-def]
    """A tiny rule set over the test bodies: v1 keeps the site's signature line, v2 drops it."""

    def extract(body: bytes, url: str, content_type: str | None = None) -> ExtractedPage:
        html = body.decode("utf-8")
        q = re.search(r"<h1>(.*?)</h1>", html, re.S)
        a = re.search(r"<div>(.*?)</div>", html, re.S)
        answer = a.group(1) if a else ""
        if version == "v2":
            answer = answer.replace(SIGNATURE, "").strip()
        return page(url, q.group(1) if q else "", answer, extractor_version=version)

    return extract


def body(question: str, answer: str) -> bytes:
    return f"<html><h1>{question}</h1><div>{answer}</div><p>阅读 12</p></html>".encode()


def test_rules_change_reversions_at_most_once(db_url: str) -> None:
    q1, a1, _ = seed(1)
    q2, a2, _ = seed(2)
    v1 = rules("v1")
    signed = a2 + "\n\n" + SIGNATURE
    with kb_session(db_url) as s:
        for url, q, a in ((f"{PORTAL}/ask/1.html", q1, a1), (f"{PORTAL}/ask/2.html", q2, signed)):
            b = body(q, a)
            snapshot = snap(url, body=b, etag='"x"', at=later(0))
            snapshot.page = v1(b, url, None)
            assert ingest(s, snapshot, None, now=later(0)).outcome == "new"
        s.commit()
        before = {p.url: (p.etag, p.last_seen, p.next_due, p.body_hash) for p in s.exec(select(Page)).all()}

        run_id, counts = run_reextract(s, extract=rules("v2"), now=later(1))
        assert counts == {"changed": 1, "unchanged": 1}
        (changed,) = s.exec(select(Event).where(Event.run_id == run_id, Event.kind == "changed")).all()
        assert changed.url == f"{PORTAL}/ask/2.html" and json.loads(changed.detail)["reason"] == "reextract"
        v = s.exec(select(Version).where(Version.entry_id == changed.entry_id, Version.number == 2)).one()
        assert v.extractor_version == "v2" and SIGNATURE not in v.answer and v.run_id == run_id
        after = {p.url: (p.etag, p.last_seen, p.next_due, p.body_hash) for p in s.exec(select(Page)).all()}
        assert after == before
        run = s.get(Run, run_id)
        assert (run.kind, run.status, run.fetched, run.changed, run.unchanged) == ("reextract", "ok", 0, 1, 1)

        # the same rules again: nothing to do
        _, again = run_reextract(s, extract=rules("v2"), now=later(2))
        assert again == {"unchanged": 2}
        assert len(s.exec(select(Version)).all()) == 3


def test_real_extractor_over_stored_sample_bodies(db_url: str) -> None:
    """The sample site's stored pages through extract: a second pass with the same rules is
    a no-op; an older rule set's answers are re-versioned once, by the extractor version's change."""
    from extract import EXTRACTOR_VERSION, extract_page
    from sample_site.server import SampleSite

    root = Path(sample_site.__file__).parent / "site" / "edition1"
    qa = [p for p in SampleSite.manifest(1)["pages"] if p["kind"] == "qa" and p["site"] == "city"]
    assert qa
    with kb_session(db_url) as s:
        for p in qa:
            url = "http://127.0.0.2:8002" + p["path"]
            raw = (root / "city" / p["path"].lstrip("/")).read_bytes()
            snapshot = snap(url, body=raw, at=later(0))
            old = extract_page(raw, url, "text/html")
            old.answer = old.answer + "\n\n相关推荐"  # what an older rule set left in the answer
            old.extractor_version = "old"
            snapshot.page = old
            ingest(s, snapshot, None, now=later(0))
        s.commit()
        entries = len(s.exec(select(Version)).all())
        assert entries >= len(qa) // 2
        _, counts = run_reextract(s, now=later(1))
        assert counts["changed"] == entries and counts.get("failed", 0) == 0
        assert {v.extractor_version for v in s.exec(select(Version).where(Version.number == 2)).all()} == {
            EXTRACTOR_VERSION
        }
        _, again = run_reextract(s, now=later(2))
        assert set(again) <= {"unchanged", "not_qa", "off_topic"} and "changed" not in again
