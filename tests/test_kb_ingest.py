"""Ingest on a real SQLite file: every outcome, versions, events, runs, bodies, copies."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, func, select

from kb import dedupe, revisit, runs
from kb.bodies import load_body
from kb.db import session as kb_session
from kb.ingest import ingest
from kb.models import Body, Entry, EntryBand, Event, FetchError, Page, Run, Version
from kb.normalize import normalized
from tests.test_kb_helpers import CITY, PORTAL, later, seed, snap


def count(s: Session, model: type) -> int:
    return s.exec(select(func.count()).select_from(model)).one()


def events(s: Session, kind: str | None = None) -> list[Event]:
    q = select(Event).order_by(Event.id)
    if kind:
        q = q.where(Event.kind == kind)
    return list(s.exec(q).all())


def test_new_then_same_page_twice_changes_nothing(db_url: str) -> None:
    q, a, disc = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        run = runs.start_run(s, spider="discover")
        first = ingest(s, snap(url, q, a, disclaimer=disc), run.id)
        s.commit()
        assert first.outcome == "new" and first.version == 1
        assert first.entry_id and first.entry_id.startswith("e") and len(first.entry_id) == 16
        again = ingest(s, snap(url, q, a, disclaimer=disc, at=later(1)), run.id)
        assert (again.outcome, again.entry_id, again.version) == ("unchanged", first.entry_id, 1)
        # the identical snapshot replayed is also a no-op
        replay = ingest(s, snap(url, q, a, disclaimer=disc, at=later(1)), run.id)
        assert replay.outcome == "unchanged"
        s.commit()
        assert count(s, Entry) == 1 and count(s, Version) == 1
        assert [e.kind for e in events(s) if not e.kind.startswith("flag")] == ["added"]
        version = s.exec(select(Version)).one()
        assert version.source_url == url and version.run_id == run.id
        assert version.extractor_version == "test-1" and version.body_hash
        entry = s.get(Entry, first.entry_id)
        assert (
            entry.canonical_url == url and entry.version == 1 and entry.content_hash == version.content_hash
        )
        finished = runs.finish_run(s, run.id)
        assert (finished.fetched, finished.new, finished.unchanged, finished.status) == (3, 1, 2, "ok")


def test_noise_never_makes_a_version(db_url: str) -> None:
    q, a, _ = seed(2)
    url = f"{PORTAL}/ask/s002.html"
    noisy = "阅读 12,345\n发布时间:2026-01-07 10:00\n" + a.replace(",", ",").replace("1", "１") + "\n\n  "
    noisy = noisy.replace("。", "。 ")
    with kb_session(db_url) as s:
        ingest(s, snap(url, q, a), None)
        result = ingest(s, snap(url, "  " + q + " ", noisy, at=later(1)), None)
        assert result.outcome == "unchanged", result
        assert count(s, Version) == 1


def test_changed_number_makes_version_2(db_url: str) -> None:
    q, a, disc = seed(0)
    assert "3000元" in a
    url = f"{PORTAL}/ask/s000.html"
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(url, q, a, disclaimer=disc), None)
        r2 = ingest(s, snap(url, q, a.replace("3000元", "4000元"), disclaimer=disc, at=later(2)), None)
        assert (r2.outcome, r2.entry_id, r2.version) == ("changed", r1.entry_id, 2)
        (changed,) = events(s, "changed")
        assert (changed.version_from, changed.version_to, changed.url) == (1, 2, url)
        assert json.loads(changed.detail)["reason"] == "content"
        v1, v2 = s.exec(select(Version).order_by(Version.number)).all()
        assert v1.answer == a and "4000元" in v2.answer and v1.content_hash != v2.content_hash
        # back to the old text: a third version, history is never rewritten
        r3 = ingest(s, snap(url, q, a, disclaimer=disc, at=later(3)), None)
        assert (r3.outcome, r3.version) == ("changed", 3)


def test_dropping_the_disclaimer_is_a_change(db_url: str) -> None:
    q, a, _ = seed(3)
    url = f"{PORTAL}/ask/s003.html"
    with kb_session(db_url) as s:
        ingest(s, snap(url, q, a, disclaimer=True), None)
        result = ingest(s, snap(url, q, a, disclaimer=False, at=later(1)), None)
        assert (result.outcome, result.version) == ("changed", 2)


def test_not_modified_touches_only_last_seen(db_url: str) -> None:
    q, a, _ = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(url, q, a, etag='"v1"'), None)
        result = ingest(s, snap(url, status=304, at=later(2), etag='"v1"'), None)
        assert (result.outcome, result.entry_id, result.version) == ("not_modified", r1.entry_id, 1)
        entry = s.get(Entry, r1.entry_id)
        page = s.exec(select(Page)).one()
        assert entry.last_seen == later(2) and page.last_seen == later(2) and page.etag == '"v1"'
        assert count(s, Version) == 1
        unknown = ingest(s, snap(f"{PORTAL}/ask/never.html", status=304), None)
        assert unknown.outcome == "not_modified" and count(s, Page) == 1


def test_gone_after_n_answers_then_returned(db_url: str) -> None:
    q, a, _ = seed(4)
    url = f"{CITY}/zcwd/s004.html"
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(url, q, a), None)
        first = ingest(s, snap(url, status=404, at=later(1), gone_after=2), None)
        assert first.outcome == "failed" and s.get(Entry, r1.entry_id).status == "active"
        second = ingest(s, snap(url, status=404, at=later(2), gone_after=2), None)
        assert (second.outcome, second.entry_id) == ("gone", r1.entry_id)
        entry = s.get(Entry, r1.entry_id)
        assert entry.status == "gone" and entry.gone_at == later(2)
        (gone,) = events(s, "gone")
        assert gone.url == url
        assert "gone" in {json.loads(e.detail)["flag"] for e in events(s, "flag_raised")}
        back = ingest(s, snap(url, q, a, at=later(3)), None)
        assert (back.outcome, back.entry_id) == ("unchanged", r1.entry_id)
        assert s.get(Entry, r1.entry_id).status == "active"
        assert len(events(s, "returned")) == 1
        assert "gone" in {json.loads(e.detail)["flag"] for e in events(s, "flag_cleared")}
        assert count(s, Version) == 1


def test_failures_never_touch_entries(db_url: str) -> None:
    q, a, _ = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        run = runs.start_run(s)
        ok = ingest(s, snap(url, q, a), run.id)
        for status, error in ((0, "timeout"), (503, None), (200, "bad_body")):
            result = ingest(s, snap(url, q, a, status=status, error=error, at=later(1)), run.id)
            assert result.outcome == "failed"
        unknown = ingest(s, snap(f"{PORTAL}/ask/none.html", status=0, error="connection"), run.id)
        assert unknown.outcome == "failed"
        s.commit()
        assert count(s, Version) == 1 and s.get(Entry, ok.entry_id).version == 1
        kinds = sorted(e.kind for e in s.exec(select(FetchError)).all())
        assert kinds == ["bad_body", "connection", "http_503", "timeout"]
        page = s.exec(select(Page).where(Page.url == url)).one()
        assert page.fail_streak == 3 and page.status == "ok"
        assert count(s, Page) == 1
        finished = runs.finish_run(s, run.id)
        # the timeout and the refused connection got no response: tried and failed, not fetched
        assert (finished.fetched, finished.failed, finished.status) == (3, 4, "failed")
        assert json.loads(finished.errors) == {"bad_body": 1, "connection": 1, "http_503": 1, "timeout": 1}


def test_off_topic_and_not_qa_make_no_entry(db_url: str) -> None:
    with kb_session(db_url) as s:
        r1 = ingest(
            s,
            snap(f"{PORTAL}/ask/skin.html", "56岁做焕肤有什么危害", "焕肤可能导致敏感。", on_topic=False),
            None,
        )
        r2 = ingest(s, snap(f"{PORTAL}/", "首页", "", page_type="listing"), None)
        assert (r1.outcome, r2.outcome) == ("off_topic", "not_qa")
        assert count(s, Entry) == 0
        statuses = sorted(p.status for p in s.exec(select(Page)).all())
        assert statuses == ["not_qa", "off_topic"]


def test_bodies_are_stored_once_compressed(db_url: str) -> None:
    q, a, _ = seed(0)
    body = ("<html>" + a * 3 + "</html>").encode()
    with kb_session(db_url) as s:
        ingest(s, snap(f"{PORTAL}/ask/a.html", q, a, body=body), None)
        ingest(s, snap(f"{PORTAL}/ask/a.html", q, a, body=body, at=later(1)), None)
        ingest(s, snap(f"{PORTAL}/ask/b.html", q, a, body=body), None)
        (stored,) = s.exec(select(Body)).all()
        assert stored.size == len(body) and len(stored.data) < len(body) / 2
        assert load_body(s, stored.hash) == body


def test_exact_copy_becomes_a_source_and_official_site_is_canonical(db_url: str) -> None:
    q, a, _ = seed(1)
    portal, city = f"{PORTAL}/ask/s001.html", f"{CITY}/zcwd/s001.html"
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(portal, q, a), None)
        r2 = ingest(s, snap(city, q, a, at=later(hours=1)), None)
        assert (r2.outcome, r2.entry_id, r2.version) == ("duplicate", r1.entry_id, 1)
        entry = s.get(Entry, r1.entry_id)
        # sample-city has the higher profile priority (an official 医保局 site): canonical source
        assert entry.canonical_url == city and entry.site == "sample-city"
        assert entry.id == r1.entry_id  # the id stays what the first page made it
        (merged,) = events(s, "merged")
        assert json.loads(merged.detail) == {"source_url": city, "similarity": 1.0, "match": "exact"}
        assert sorted(p.url for p in s.exec(select(Page).where(Page.entry_id == entry.id)).all()) == [
            portal,
            city,
        ]
        assert count(s, Entry) == 1 and count(s, Version) == 1
        # the copy seen again: unchanged, still one entry
        assert ingest(s, snap(city, q, a, at=later(1)), None).outcome == "unchanged"
        # the official copy goes away: the portal copy keeps the entry alive and canonical
        gone = ingest(s, snap(city, status=404, at=later(2)), None)
        assert gone.outcome == "gone"
        entry = s.get(Entry, r1.entry_id)
        assert entry.status == "active" and entry.canonical_url == portal
        assert events(s, "gone") == []


def test_entry_dates_follow_its_canonical_source_whatever_the_arrival_order(db_url: str) -> None:
    q, a, _ = seed(1)
    portal, city = f"{PORTAL}/ask/s001.html", f"{CITY}/zcwd/s001.html"
    with kb_session(db_url) as s:
        first = ingest(s, snap(portal, q, a, published="2025-01-01"), None)
        ingest(s, snap(city, q, a, at=later(hours=1), published="2025-03-18"), None)
        entry = s.get(Entry, first.entry_id)
        assert (entry.canonical_url, entry.published) == (city, "2025-03-18")


def test_near_duplicate_with_one_sentence_changed_is_a_source(db_url: str) -> None:
    q, a, _ = seed(1)
    first_sentence = a.split("\n\n")[0]
    copy = a.replace(first_sentence, "统筹账户和个人账户在以下几个方面有明显区别:")
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(f"{PORTAL}/ask/s001.html", q, a), None)
        r2 = ingest(s, snap(f"{PORTAL}/ask/s001-copy.html", q, copy, at=later(1)), None)
        assert (r2.outcome, r2.entry_id) == ("duplicate", r1.entry_id)
        detail = json.loads(events(s, "merged")[0].detail)
        assert detail["match"] == "near" and dedupe.THRESHOLD <= detail["similarity"] < 1
        assert count(s, Version) == 1


def test_same_question_other_numbers_is_a_conflict(db_url: str) -> None:
    q, a, disc = seed(0)
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(f"{PORTAL}/ask/s000.html", q, a, disclaimer=disc), None)
        other = a.replace("3000元", "5000元")
        r2 = ingest(s, snap(f"{PORTAL}/ask/s000-b.html", q, other, disclaimer=disc, at=later(1)), None)
        assert r2.outcome == "conflict" and r2.entry_id != r1.entry_id
        (conflict,) = events(s, "conflict")
        assert conflict.entry_id == r2.entry_id
        detail = json.loads(conflict.detail)
        assert detail["other_entry"] == r1.entry_id and detail["url"] == f"{PORTAL}/ask/s000.html"
        assert count(s, Entry) == 2


def test_different_answers_to_similar_questions_stay_apart(db_url: str) -> None:
    cards = {c["title"]: c["snippet"] for c in __import__("sample_site.seeds").seeds.load_seeds()[0]["cards"]}
    a1, a2 = cards["56岁做焕肤有什么危害"], cards["56岁做焕肤有什么副作用"]
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(f"{PORTAL}/ask/x1.html", "56岁做焕肤有什么危害", a1), None)
        r2 = ingest(s, snap(f"{PORTAL}/ask/x2.html", "56岁做焕肤有什么副作用", a2), None)
        assert (r1.outcome, r2.outcome) == ("new", "new")


def test_failed_ingest_leaves_nothing_half_written(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    q, a, _ = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        run = runs.start_run(s)
        ingest(s, snap(url, q, a), run.id)
        s.commit()
        before = {m.__name__: count(s, m) for m in (Entry, Version, Page, Event, Body)}

        def boom(*_args: object, **_kw: object) -> None:
            raise RuntimeError("disk on fire")

        # fail at the very end of a change: after the version, the event and the body were written
        monkeypatch.setattr("kb.flags.evaluate", boom)
        result = ingest(s, snap(url, q, a.replace("个人账户", "个人帐户"), at=later(1)), run.id)
        assert result.outcome == "failed" and "disk on fire" in result.detail
        s.commit()
        after = {m.__name__: count(s, m) for m in (Entry, Version, Page, Event, Body)}
        assert after == before
        assert s.exec(select(Page)).one().content_hash == s.exec(select(Version)).one().content_hash
        assert s.exec(select(FetchError)).one().kind == "ingest_error"
        assert s.get(Run, run.id).failed == 1


def test_older_snapshot_never_rewinds_a_page(db_url: str) -> None:
    q, a, _ = seed(1)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        ingest(s, snap(url, q, a, at=later(2)), None)
        stale = ingest(s, snap(url, q, a + "\n\n补充一段。", at=later(1)), None)
        assert stale.outcome == "unchanged" and count(s, Version) == 1


def test_a_late_older_fetch_still_ranks_its_page_by_first_seen(db_url: str) -> None:
    """Workers finish out of order: the first fetch of a page arrives last. The page keeps its later
    content, but was there first, so it is its entry's canonical source, as in arrival order."""
    q, a, _ = seed(1)
    original, copy = f"{PORTAL}/ask/s001.html", f"{PORTAL}/ask/s001-copy.html"
    near = a.replace(a.split("\n\n")[0], "统筹账户和个人账户在以下几个方面有明显区别:")
    with kb_session(db_url) as s:
        first = ingest(s, snap(original, q, a, at=later(hours=3)), None)
        ingest(s, snap(copy, q, near, at=later(hours=2)), None)  # seen "earlier": canonical for now
        assert s.get(Entry, first.entry_id).canonical_url == copy
        late = ingest(s, snap(original, q, a, at=later(hours=1)), None)
        assert late.outcome == "unchanged" and late.detail.endswith("now the canonical source")
        entry = s.get(Entry, first.entry_id)
        current = s.exec(select(Version).where(Version.number == entry.version)).one()
        assert entry.canonical_url == original and current.answer == a
        assert s.exec(select(Page).where(Page.url == original)).one().first_seen == later(hours=1)


def test_known_pages_flagged_unverified_first(db_url: str) -> None:
    with kb_session(db_url) as s:
        q0, a0, d0 = seed(0)
        q1, a1, _ = seed(1)
        ingest(s, snap(f"{PORTAL}/ask/s001.html", q1, a1), None)
        ingest(s, snap(f"{PORTAL}/ask/s000.html", q0, a0, disclaimer=d0, at=later(hours=1)), None)
        ingest(s, snap(f"{PORTAL}/", "", "", page_type="listing"), None)
        pages = revisit.known_pages(s)
        assert pages[0].url == f"{PORTAL}/ask/s000.html" and pages[0].flagged and not pages[0].verified
        assert {p.url for p in pages} == {f"{PORTAL}/ask/s001.html", f"{PORTAL}/ask/s000.html", f"{PORTAL}/"}
        assert all(p.next_due is not None for p in pages)
        assert revisit.known_pages(s, due_before=later(hours=2)) == []
        assert len(revisit.known_pages(s, site="sample-portal", due_before=later(days=3))) == 3
        # read a page at a time (a big KB): the same pages in the same order
        s.commit()
        assert list(revisit.pages_in_order(lambda: kb_session(db_url, readonly=True), batch=1)) == pages
        due = revisit.known_pages(s, due_before=later(days=3))
        in_order = revisit.pages_in_order(lambda: kb_session(db_url, readonly=True), due_before=later(days=3), batch=2)
        assert list(in_order) == due and len(due) == 3


def test_run_rules_and_counters(db_url: str) -> None:
    q, a, _ = seed(1)
    with kb_session(db_url) as s:
        empty = runs.start_run(s, spider="discover", site="sample-portal", args={"max_pages": 5})
        assert runs.finish_run(s, empty.id).status == "failed"  # nothing fetched
        run = runs.start_run(s)
        runs.count(s, run.id, "robots_refused", fetched=False)
        ingest(s, snap(f"{PORTAL}/ask/a.html", q, a), run.id)
        ingest(s, snap(f"{PORTAL}/ask/b.html", status=500), run.id)
        s.commit()
        done = runs.finish_run(s, run.id)
        assert (done.status, done.fetched, done.new, done.failed, done.robots_refused) == ("ok", 2, 1, 1, 1)
        assert done.finished_at is not None and json.loads(empty.args) == {"max_pages": 5}


def test_versions_are_immutable(db_url: str) -> None:
    q, a, _ = seed(1)
    with kb_session(db_url) as s:
        ingest(s, snap(f"{PORTAL}/ask/a.html", q, a), None)
        s.commit()
        version = s.exec(select(Version)).one()
        version.answer = "rewritten"
        s.add(version)
        with pytest.raises(ValueError, match="immutable"):
            s.flush()
        s.rollback()


def test_a_secondary_source_that_changes(db_url: str) -> None:
    q, a, _ = seed(1)
    q2, a2, _ = seed(2)
    portal, city = f"{PORTAL}/ask/s001.html", f"{CITY}/zcwd/s001.html"
    with kb_session(db_url) as s:
        r1 = ingest(s, snap(portal, q, a), None)
        ingest(s, snap(city, q, a), None)  # official copy: canonical now
        small = a.replace("主要体现在以下几个方面", "主要有以下几个方面")
        still = ingest(s, snap(portal, q, small, at=later(1)), None)
        assert (still.outcome, still.entry_id) == ("unchanged", r1.entry_id) and "still" in still.detail
        assert len(s.exec(select(Version)).all()) == 1
        # the portal page now answers something else: it leaves the entry and makes its own
        moved = ingest(s, snap(portal, q2, a2, at=later(2)), None)
        assert moved.outcome == "new" and moved.entry_id != r1.entry_id
        assert s.get(Entry, r1.entry_id).canonical_url == city
        pages = {p.url: p.entry_id for p in s.exec(select(Page)).all()}
        assert pages == {city: r1.entry_id, portal: moved.entry_id}


def test_near_duplicate_index_across_processes(db_url: str) -> None:
    """The index is the KB's band table: a process sees the entries another one committed at once,
    with nothing to build or catch up."""
    import multiprocessing as mp

    from tests.test_kb_helpers import race_worker

    q1, a1, _ = seed(1)
    q3, a3, _ = seed(3)
    with kb_session(db_url) as s:
        ingest(s, snap(f"{PORTAL}/ask/s001.html", q1, a1), None)
        s.commit()
    with kb_session(db_url) as s:
        copy = a1.replace("主要体现在以下几个方面", "主要有以下几个方面")
        assert ingest(s, snap(f"{PORTAL}/ask/s001-b.html", q1, copy), None).outcome == "duplicate"
        s.commit()
        assert count(s, EntryBand) == dedupe.BANDS  # one entry: one row per band
    # another process adds an entry
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(1), ctx.Queue()
    proc = ctx.Process(target=race_worker, args=(db_url, f"{CITY}/zcwd/s003.html", q3, a3, barrier, out))
    proc.start()
    assert out.get(timeout=60)[1] == "new"
    proc.join(timeout=30)
    with kb_session(db_url) as s:
        near = a3.replace("。", "。\n", 1)[:-10]
        result = ingest(s, snap(f"{PORTAL}/ask/s003.html", q3, near), None)
        assert result.outcome == "duplicate", result


def test_a_new_version_replaces_its_entrys_bands(db_url: str) -> None:
    """The bands follow the entry's current content: an answer it no longer gives finds it no more."""
    (q1, a1, _), (q2, a2, _) = seed(1), seed(2)
    url = f"{PORTAL}/ask/s001.html"
    with kb_session(db_url) as s:
        first = ingest(s, snap(url, q1, a1), None)
        ingest(s, snap(url, q2, a2, at=later(1)), None)  # the canonical page now says something else
        bands = s.exec(
            select(EntryBand.band, EntryBand.hash).where(EntryBand.entry_id == first.entry_id)
        ).all()
        assert sorted(bands) == sorted(dedupe.signature(normalized(q2, a2)).bands)
        copy = a1.replace("主要体现在以下几个方面", "主要有以下几个方面")
        assert ingest(s, snap(f"{CITY}/zcwd/s001.html", q1, copy), None).outcome == "new"


def test_a_run_counts_each_site_apart(db_url: str) -> None:
    """One run over two sites: each site's counts and errors are its own, and add up to the run's."""
    (q1, a1, _), (q2, a2, _) = seed(1), seed(2)
    with kb_session(db_url) as s:
        run = runs.start_run(s)
        ingest(s, snap(f"{PORTAL}/ask/s001.html", q1, a1, site="sample-portal"), run.id)
        ingest(s, snap(f"{CITY}/zcwd/c1.html", q2, a2, site="sample-city"), run.id)
        ingest(s, snap(f"{CITY}/zcwd/c2.html", status=503, site="sample-city"), run.id)
        runs.mark_site(s, run.id, "sample-city", "failed", "all pages 5xx")
        s.commit()
        by_site = {r.site: r for r in runs.run_sites(s, run.id)}
        assert sorted(by_site) == ["sample-city", "sample-portal"]
        city, portal = by_site["sample-city"], by_site["sample-portal"]
        assert (portal.fetched, portal.new, portal.failed, portal.status) == (1, 1, 0, "running")
        assert (city.fetched, city.new, city.failed, city.status) == (2, 1, 1, "failed")
        assert city.reason == "all pages 5xx" and json.loads(city.errors) == {"http_503": 1}
        total = s.get(Run, run.id)
        assert total.fetched == portal.fetched + city.fetched and total.new == 2
