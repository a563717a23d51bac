"""Confidence, visible (issue 13.3) and the template-change alarm's judgement (13.4), without a crawl:
low-confidence answers and on-topic pages without one are counted per site and listed; the alarm is a
pure function of one site's numbers."""

from __future__ import annotations

from sqlmodel import select

from kb import alarm, dedupe, review_queue, runs
from kb.db import session
from kb.ingest import ingest
from kb.models import Entry, ExtractionNote, Page, Run, RunSite, Version
from kb.report import build_report
from tests.test_kb_helpers import PORTAL, later, seed, snap


def test_low_confidence_and_unanswered_pages_are_counted_per_site_and_listed(db_url: str) -> None:
    dedupe.reset_indexes()
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
