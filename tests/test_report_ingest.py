"""Export and report on a KB written by ``kb.ingest`` (two runs of real seed answers), not by hand.

Run 2 does what the sample site's edition 2 does: a number changed (3000元 → 4000元), a paragraph
added, the disclaimer dropped, a page gone (404), a near-duplicate copy on the other site, a new
page (whose question and answer carry script payloads).
"""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from kb import runs
from kb.db import session
from kb.export import export_entries, schema
from kb.ingest import ingest as kb_ingest
from kb.report import build_report, render_html, render_markdown
from tests.test_kb_helpers import CITY, PORTAL, T0, later, seed, snap
from tests.test_report import Tags

ADDED_PARAGRAPH = "另外,参保人可以登录国家医保服务平台查询个人账户余额。"
PAYLOAD_Q = "医保卡<script>window.__pwned=1</script>丢了怎么办?"


def ingest(s, snapshot, run_id):  # type: ignore[no-untyped-def]
    """Ingest at the snapshot's own time, so the KB's clock is the test's."""
    return kb_ingest(s, snapshot, run_id, now=snapshot.fetched_at)



@pytest.fixture
def two_runs(db_url: str) -> dict[str, str]:
    """Ingest run 1 and run 2; returns what each interesting page became (entry ids)."""
    ids: dict[str, str] = {}
    with session(db_url) as s:
        r1 = runs.start_run(s, spider="discover", now=T0)
        for i in range(5):
            q, a, d = seed(i)
            ids[f"s{i}"] = (
                ingest(s, snap(f"{PORTAL}/ask/s00{i}.html", q, a, disclaimer=d), r1.id).entry_id or ""
            )
        s.commit()
        runs.finish_run(s, r1.id, now=later(0, 1))  # type: ignore[arg-type]
        r2 = runs.start_run(s, spider="discover", now=later(1))
        t = later(1, 0.5)
        q, a, d = seed(0)
        assert "3000元" in a
        ingest(
            s, snap(f"{PORTAL}/ask/s000.html", q, a.replace("3000元", "4000元"), disclaimer=d, at=t), r2.id
        )
        q, a, d = seed(1)
        ingest(s, snap(f"{PORTAL}/ask/s001.html", q, a + "\n\n" + ADDED_PARAGRAPH, disclaimer=d, at=t), r2.id)
        q, a, d = seed(4)
        assert d
        ingest(s, snap(f"{PORTAL}/ask/s004.html", q, a, disclaimer=False, at=t), r2.id)
        ingest(s, snap(f"{PORTAL}/ask/s003.html", status=404, at=t), r2.id)
        q, a, d = seed(2)
        ingest(s, snap(f"{PORTAL}/ask/s002.html", q, a, disclaimer=d, at=t), r2.id)
        sentences = a.split("。")
        copy = "。".join(sentences[:1] + ["这一句在副本里被改写了"] + sentences[2:])
        dup = ingest(s, snap(f"{CITY}/zcwd/s002.html", q, copy, disclaimer=d, at=t), r2.id)
        assert dup.outcome == "duplicate" and dup.entry_id == ids["s2"]
        new = ingest(
            s,
            snap(f"{PORTAL}/ask/new.html", PAYLOAD_Q, "先挂失,再补办。<img src=x onerror=alert(1)>", at=t),
            r2.id,
        )
        ids["new"] = new.entry_id or ""
        s.commit()
        runs.finish_run(s, r2.id, now=later(1, 1))  # type: ignore[arg-type]
    return ids


def test_report_of_run_2(db_url: str, two_runs: dict[str, str]) -> None:
    with session(db_url) as s:
        rep = build_report(s)
    ids = two_runs
    changed = {c.id: c for c in rep.items("changed")}
    assert set(changed) == {ids["s0"], ids["s1"], ids["s4"], ids["s2"]}  # s2: the city copy now leads
    number = changed[ids["s0"]]
    assert number.numbers and set(number.numbers) == {"3000元 → 4000元"}
    assert "3000元 → 4000元" in rep.summary.line
    paragraph = changed[ids["s1"]]
    assert any(op == "+" and ADDED_PARAGRAPH in text for op, text in paragraph.diff)
    disclaimer = changed[ids["s4"]].disclaimer
    assert (disclaimer.old, disclaimer.new) == (True, False)
    assert [g.id for g in rep.items("gone")] == [ids["s3"]]
    assert [a.id for a in rep.items("added")] == [ids["new"]]
    assert [(m.id, m.source_url) for m in rep.items("merged")] == [(ids["s2"], f"{CITY}/zcwd/s002.html")]
    assert (ids["s3"], "gone") in {(f.id, f.flag) for f in rep.items("flagged")}
    assert (ids["s4"], "needs_verification") in {(f.id, f.flag) for f in rep.items("cleared")}
    health = rep.health.runs
    assert [p.entries for p in health] == [5, 5]  # +1 new, -1 gone
    assert health[1].flags["gone"] == 1

    html = render_html(rep)
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.tags and not [n for n, _ in tags.attrs if n.startswith("on")]
    assert (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
        and "<del>3000元</del><ins>4000元</ins>" in html
    )
    digest = render_markdown(rep, html_name="report.html")
    assert "3000元 → 4000元" in digest and f"`kb verify {ids['s0']} --by NAME`" in digest


def test_export_after_two_runs(db_url: str, two_runs: dict[str, str]) -> None:
    def export(**kw: object) -> str:
        buf = io.StringIO()
        with session(db_url) as s:
            export_entries(s, buf, **kw)  # type: ignore[arg-type]
        return buf.getvalue()

    text = export(history=True)
    assert text == export(history=True)  # same KB, same bytes
    doc = json.loads(text)
    jsonschema.Draft202012Validator(schema()).validate(doc)
    assert doc["generated_at"] == "2026-01-06T09:00:00Z"  # run 2's finish
    entries = {e["id"]: e for e in doc["entries"]}
    assert two_runs["s3"] not in entries  # gone
    s0 = entries[two_runs["s0"]]
    assert s0["version"] == 2 and "4000元" in s0["answer"] and "3000元" in s0["versions"][0]["answer"]
    assert {f["name"] for f in s0["flags"]} == {"needs_verification"}
    s2 = entries[two_runs["s2"]]
    assert {src["url"] for src in s2["sources"]} == {f"{PORTAL}/ask/s002.html", f"{CITY}/zcwd/s002.html"}
    assert s2["sources"][0]["site"] == "sample-city"  # highest priority first
    assert s2["url"] == f"{CITY}/zcwd/s002.html"
    assert entries[two_runs["s4"]]["has_verification_disclaimer"] is False
    assert entries[two_runs["new"]]["question"] == PAYLOAD_Q
    gone = json.loads(export(flags=["gone"], include_gone=True))
    assert [e["id"] for e in gone["entries"]] == [two_runs["s3"]] and gone["entries"][0]["status"] == "gone"
