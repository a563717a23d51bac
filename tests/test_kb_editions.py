"""The sample site's two editions through ingest, from the generator's manifest (the expected
extraction of every page): the KB half of the demo, independent of the crawler and extractor."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlmodel import Session, select

from kb import runs
from kb.db import session as kb_session
from kb.ingest import ingest
from kb.models import Entry, Event, Page, Version
from kb.snapshot import Snapshot
from sample_site.server import SampleSite
from tests.test_kb_helpers import later, page

BASE = {"portal": "http://127.0.0.1:8001", "city": "http://127.0.0.2:8002"}
SITE = {"portal": "sample-portal", "city": "sample-city"}


def _snapshot(p: dict[str, Any], at: Any) -> Snapshot:
    url = BASE[p["site"]] + p["path"]
    extracted = page(
        url,
        p["question"],
        p["answer"],
        disclaimer=p["has_verification_disclaimer"],
        on_topic=p["is_medical_insurance"],
        published=p["published"],
        updated=p["updated"],
    )
    extracted.answer_blocks = p["answer_blocks"]
    return Snapshot(url=url, status=200, fetched_at=at, site=SITE[p["site"]], page=extracted, body=None)


def _crawl(s: Session, edition: int, at: Any, gone: list[dict[str, str]] = ()) -> int:
    run = runs.start_run(s, spider="discover", now=at)
    for p in SampleSite.manifest(edition)["pages"]:
        if p["kind"] == "qa":
            ingest(s, _snapshot(p, at), run.id, now=at)
    for g in gone:
        url = BASE[g["site"]] + g["path"]
        ingest(s, Snapshot(url=url, status=404, fetched_at=at, site=SITE[g["site"]]), run.id, now=at)
    s.commit()
    runs.finish_run(s, run.id, now=at)
    return run.id


def test_edition_2_reports_exactly_what_changed(db_url: str) -> None:
    m1, m2 = SampleSite.manifest(1), SampleSite.manifest(2)
    changes = m2["changes"]
    with kb_session(db_url) as s:
        run1 = _crawl(s, 1, later(0))
        qa1 = [p for p in m1["pages"] if p["kind"] == "qa"]
        on_topic_keys = {p["entry_key"] for p in qa1 if p["is_medical_insurance"]}
        # one entry per entry_key: copies on both sites merged
        assert len(s.exec(select(Entry)).all()) == len(on_topic_keys)
        by_key = {}
        for p in qa1:
            if p["is_medical_insurance"]:
                pg = s.exec(select(Page).where(Page.url == BASE[p["site"]] + p["path"])).one()
                by_key.setdefault(p["entry_key"], set()).add(pg.entry_id)
        assert all(len(ids) == 1 for ids in by_key.values())
        # a key on both sites: the official city page is the canonical source
        both = [k for k, n in Counter(p["entry_key"] for p in qa1).items() if n == 2]
        assert both
        for key in both:
            entry = s.get(Entry, next(iter(by_key[key])))
            assert entry.site == "sample-city"

        run2 = _crawl(s, 2, later(7), gone=changes["gone"])
        kinds = Counter(e.kind for e in s.exec(select(Event).where(Event.run_id == run2)).all())
        assert kinds["changed"] == 3 and kinds["gone"] == 2 and kinds["added"] == 2, kinds
        assert kinds["merged"] == 1 and kinds["conflict"] == 0
        changed_urls = {
            e.url for e in s.exec(select(Event).where(Event.run_id == run2, Event.kind == "changed")).all()
        }
        assert changed_urls == {BASE[c["site"]] + c["path"] for c in changes["changed"]}
        merged = s.exec(select(Event).where(Event.run_id == run2, Event.kind == "merged")).one()
        nd = changes["near_duplicate"]
        assert merged.url == BASE[nd["site"]] + nd["path"]
        original = s.exec(
            select(Page).where(Page.url == BASE[nd["copy_of"]["site"]] + nd["copy_of"]["path"])
        ).one()
        assert merged.entry_id == original.entry_id
        assert json.loads(merged.detail)["match"] == "near"
        # rotated cards and counters: nothing else made a version
        assert len(s.exec(select(Version).where(Version.run_id == run2)).all()) == 3 + 2
        assert run1 < run2
