"""Confidence, visible (issue 13.3) and the template-change alarm's judgement (13.4), without a crawl:
low-confidence answers and on-topic pages without one are counted per site and listed; the alarm is a
pure function of one site's numbers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb import alarm, review_queue, run_sites, runs, suspect
from kb.db import session
from kb.ingest import ingest
from kb.models import Entry, ExtractionNote, Page, Run, RunSite, Version
from kb.report import build_report
from sample_site.server import SampleSite
from tests.test_kb_helpers import PORTAL, later, seed, snap


def test_low_confidence_and_unanswered_pages_are_counted_per_site_and_listed(db_url: str) -> None:
    q0, a0, _ = seed(0)
    q1, a1, _ = seed(1)
    with session(db_url) as s:
        run = runs.start_run(s, now=later(0))
        ingest(s, snap(f"{PORTAL}/a.html", q0, a0, at=later(0)), run.id)
        ingest(s, snap(f"{PORTAL}/b.html", q1, a1, at=later(0), method="fallback", confidence=0.3), run.id)
        s.commit()
        runs.finish_run(s, run.id, now=later(0))
        # the next night /a.html comes back as an empty shell: its question is still on topic
        run2 = runs.start_run(s, now=later(1))
        shell = snap(f"{PORTAL}/a.html", q0, "", at=later(1), page_type="other")
        shell.page.no_answer = "no answer text found"
        assert ingest(s, shell, run2.id).outcome == "not_qa"
        off = snap(f"{PORTAL}/c.html", "今天天气怎么样", "", at=later(1), page_type="other", on_topic=False)
        assert ingest(s, off, run2.id).outcome == "not_qa"  # off topic and never an answer: not listed
        s.commit()
        runs.finish_run(s, run2.id, now=later(1))

        first, second = s.get(Run, run.id), s.get(Run, run2.id)
        assert (first.low_confidence, first.no_answer) == (1, 0)
        assert (second.low_confidence, second.no_answer) == (0, 1)
        assert s.get(RunSite, (run2.id, "sample-portal")).no_answer == 1
        version = s.exec(select(Version).where(Version.source_url == f"{PORTAL}/b.html")).one()
        assert (version.method, version.confidence) == ("fallback", 0.3)
        note = s.exec(select(ExtractionNote).where(ExtractionNote.run_id == run2.id)).one()
        assert (note.kind, note.url, note.question) == ("no_answer", f"{PORTAL}/a.html", q0)
        page = s.exec(select(Page).where(Page.url == f"{PORTAL}/a.html")).one()
        entry = s.get(Entry, page.entry_id)
        assert page.status == "not_qa" and entry.status == "active" and entry.version == 1  # kept, not lost
        rep = build_report(s, since=later(-1))  # both nights
        queued, _ = review_queue.page(s, "suspect", review_queue.Filters())
    assert [(i.entry_id, i.detail["reason"]) for i in queued] == [
        (version.entry_id, "low confidence: fallback 0.30")
    ]
    listed = {(i.kind, i.url) for i in rep.items("extraction_check")}
    assert listed == {("low_confidence", f"{PORTAL}/b.html"), ("no_answer", f"{PORTAL}/a.html")}


def test_news_is_not_an_alarm() -> None:
    # edition 1 -> 2 of the sample site: 3 of 65 portal entries changed, lengths barely moved
    assert alarm.judge(alarm.SiteRun("portal", seen=65, lengths=[(190, 190), (300, 360), (250, 200)])) is None
    # a small site whose every entry changed: too few to call it a redesign
    assert alarm.judge(alarm.SiteRun("tiny", seen=5, lengths=[(100, 120)] * 5)) is None
    # many entries edited at once, but a share the site's size makes ordinary
    assert alarm.judge(alarm.SiteRun("big", seen=1000, lengths=[(100, 110)] * 40)) is None
    # a site that never answered much: no jump without a history to jump from
    assert alarm.judge(alarm.SiteRun("new", extracted=20, no_answer=20, before=None)) is None


def test_a_redesign_or_a_broken_extraction_is_an_alarm() -> None:
    many = alarm.judge(alarm.SiteRun("s", seen=30, lengths=[(200, 210)] * 7))
    assert many == "7 of 30 entries changed at once (23%)"
    shrank = alarm.judge(alarm.SiteRun("s", seen=100, lengths=[(200, 51)] * 6 + [(200, 200)] * 2))
    assert shrank is not None and "answers shrank together (median length x0.26 over 8 changes)" in shrank
    grew = alarm.judge(alarm.SiteRun("s", seen=100, lengths=[(100, 900)] * 6))
    assert grew is not None and "grew together" in grew
    silent = alarm.judge(alarm.SiteRun("s", extracted=40, no_answer=30, before=0.05))
    assert silent == "30 of 40 pages yielded no answer (75%, was 5%)"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")


def _night(db: str, pages: list[dict], day: int, cut: int | None = None) -> int:
    """One crawl run over the pages (answers folded to ``cut`` characters), closed as a crawl closes."""
    with session(db) as s:
        run = runs.start_run(s, now=later(day))
        for p in pages:
            answer = p["answer"] if cut is None else p["answer"][:cut] + "…"
            ingest(
                s, snap(f"{PORTAL}{p['path']}", p["question"], answer, at=later(day)), run.id, now=later(day)
            )
        s.commit()
        run_sites.finish(s, run.id)
        runs.finish_run(s, run.id, now=later(day))
        return run.id


def _current(db: str) -> dict[str, str]:
    with session(db, readonly=True) as s:  # read beside an open writing session (SQLite: BEGIN IMMEDIATE)
        return {e.id: e.content_hash for e in s.exec(select(Entry).where(Entry.status == "active")).all()}


def test_hold_reject_and_accept_on_every_database(any_db: str) -> None:
    qa = [p for p in SampleSite.manifest(1)["pages"] if p["kind"] == "qa" and p["site"] == "portal"]
    pages = [p for p in qa if p["is_medical_insurance"] and len(p["answer"]) > 150][:8]
    _night(any_db, pages, 0)
    before = _current(any_db)
    folded = _night(any_db, pages, 1, cut=40)  # a redesign folds every answer
    with session(any_db) as s:
        row = s.get(RunSite, (folded, "sample-portal"))
        assert row.alarm and row.held == "suspect"
        assert [d.versions for d in suspect.decide(s, folded, "sample-portal", "rejected")] == [8]
    assert _current(any_db) == before
    again = _night(any_db, pages, 2, cut=40)  # the same folded content: not raised again
    with session(any_db) as s:
        assert s.get(Run, again).changed == 0 and s.get(RunSite, (again, "sample-portal")).alarm is None
    other = _night(any_db, pages, 3, cut=30)  # a further change is
    with session(any_db) as s:
        assert s.get(RunSite, (other, "sample-portal")).held == "suspect"
        assert _current(any_db) == before
        (decision,) = suspect.decide(s, other, None, "accepted")
        assert (decision.versions, decision.entries, decision.held) == (8, 8, "accepted")
        versions = s.exec(select(Version).where(Version.run_id == other)).all()
    now = _current(any_db)
    assert set(now) == set(before) and all(now[v.entry_id] == v.content_hash for v in versions)
