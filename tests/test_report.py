"""``kb report``: the window between runs, what each list holds, the diffs, and the escaping."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb.clock import parse_time
from kb.db import session
from kb.diff import char_diff
from kb.report import Report, ReportError, build_report, render_html, render_json, render_markdown
from kb.report.render_html import chart_html
from tests.test_report_fixtures import NEW_A, OLD_A, PAYLOAD_Q, PAYLOAD_URLS, build_fixture_kb, cli


def kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=120, env={**os.environ}
    )


@pytest.fixture
def fixture_kb(db_url: str) -> str:
    build_fixture_kb(db_url)
    return db_url


def report_for(db_url: str, **kw: object) -> Report:
    with session(db_url) as s:
        return build_report(s, **kw)  # type: ignore[arg-type]


def ids(items: list) -> list[str]:
    return [i.id for i in items]


def test_default_window_is_last_crawl_against_the_one_before(fixture_kb: str) -> None:
    rep = report_for(fixture_kb)
    assert rep.window.from_run == 1 and rep.window.to_run == 2
    assert ids(rep.items("added")) == ["eeeee", "epwned"]
    assert ids(rep.items("changed")) == ["eaaaa", "ebbbb", "edddd"]
    assert ids(rep.items("gone")) == ["ecccc"]
    assert [(i.flag, i.id) for i in rep.items("flagged")] == [
        ("gone", "ecccc"),
        ("needs_verification", "epwned"),
    ]
    assert [(i.flag, i.id) for i in rep.items("cleared")] == [("needs_verification", "ebbbb")]
    assert sorted(i.source_url for i in rep.items("merged")) == sorted(
        ["http://127.0.0.1:8001/ask/a.html", PAYLOAD_URLS[1]]
    )
    assert {i.other_entry.id for i in rep.items("conflicts")} == {"eaaaa"}
    a = rep.items("changed")[0]
    assert a.old_answer == OLD_A and a.new_answer == NEW_A
    assert a.numbers == ["3000元 → 4000元"]
    assert a.summary == "3000元 → 4000元" and "3000元 → 4000元" in rep.summary.line
    assert a.verify == "kb verify eaaaa --by NAME"
    b = next(i for i in rep.items("changed") if i.id == "ebbbb")
    assert (b.disclaimer.old, b.disclaimer.new) == (True, False) and b.numbers == []
    assert rep.summary.counts["added"] == 2 and rep.summary.counts["changed"] == 3
    assert rep.summary.counts["gone"] == 1
    assert [r.id for r in rep.runs] == [2]
    health = {p.run: p for p in rep.health.runs}
    assert health[1].entries == 4 and health[2].entries == 5
    assert health[1].flags["needs_verification"] == 1 and health[1].flags["gone"] == 0
    assert health[2].flags == {
        "needs_verification": 1,
        "stale": 0,
        "past_policy_year": 0,
        "changed_since_verified": 1,
        "gone": 1,
    }


def test_other_windows(fixture_kb: str) -> None:
    first = report_for(fixture_kb, to_run=1)
    assert first.window.from_run is None
    assert ids(first.items("added")) == ["eaaaa", "ebbbb", "ecccc", "edddd"] and first.items("changed") == []
    a = next(i for i in first.items("added") if i.id == "eaaaa")
    assert a.version == 1 and "3000元" in a.answer  # the version the window reached, not today's
    both = report_for(fixture_kb, from_run=1, to_run=2)
    assert render_json(both) == render_json(report_for(fixture_kb))
    since = report_for(fixture_kb, since=parse_time("2026-01-06"))
    assert ids(since.items("changed")) == ["eaaaa", "ebbbb", "edddd"] and ids(since.items("gone")) == [
        "ecccc"
    ]
    for bad in (
        {"from_run": 9},
        {"to_run": 9},
        {"from_run": 2, "to_run": 1},
        {"to_run": 1, "since": parse_time("2026-01-01")},
    ):
        with pytest.raises(ReportError):
            report_for(fixture_kb, **bad)


def test_empty_kb_reports_nothing(db_url: str) -> None:
    rep = report_for(db_url)
    assert rep.items("added") == [] and rep.health.runs == [] and rep.summary.line.startswith("0 added")
    assert "<svg" not in render_html(rep) and render_markdown(rep).startswith("# yibao-kb report")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_escapes_every_page_string(fixture_kb: str) -> None:
    rep = report_for(fixture_kb)
    html = render_html(rep)
    assert chart_html(rep.health).strip() in html  # the chart, for the app's runs page too
    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not [name for name, _ in parser.attrs if name.startswith("on")]
    hrefs = [v or "" for name, v in parser.attrs if name in ("href", "src", "action", "formaction")]
    assert hrefs and all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
    assert "&lt;script&gt;window.__pwned=1" in html  # shown as text, not dropped
    assert "Content-Security-Policy" in html and "<svg" in html
    assert "kb verify epwned --by NAME" in html and "kb verify eaaaa --by NAME" in html
    assert "<del>3000元</del><ins>4000元</ins>" in html


def test_markdown_digest(fixture_kb: str) -> None:
    rep = report_for(fixture_kb)
    text = render_markdown(rep, html_name="report.html")
    assert "3000元 → 4000元" in text and "[-3000元-]{+4000元+}" in text
    # Every "<" from a page is backslash-escaped; the only raw ones open our own <http…> link targets.
    assert not re.search(r"(?<!\\)<", text.replace("](<http", "](http"))
    assert (
        "\\<script\\>" in text and "](<javascript" not in text.lower() and "](javascript" not in text.lower()
    )
    assert "`kb verify eaaaa --by NAME`" in text and "`report.html`" in text
    # A long diff is cut to its edited stretches, capped, with a pointer to the HTML report.
    long_old = "参保人员" * 400 + "起付线3000元。" + "按规定报销" * 400
    long_new = "参保人员" * 400 + "起付线4000元。" + "按规定报销" * 300 + "新增内容" * 200
    rep.items("changed")[0].diff = char_diff(long_old, long_new)
    capped = render_markdown(rep, html_name="report.html")
    assert "full diff in `report.html`" in capped
    assert len(capped) < len(text) + 2000


def test_cli_formats_and_bad_runs(
    fixture_kb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    r = kb("report", "--format", "json", "--out", str(out), "--db", fixture_kb)  # the real command, once
    assert r.returncode == 0, r.stderr
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert [i["id"] for i in rep["changed"]] == ["eaaaa", "ebbbb", "edddd"]  # the JSON contract
    assert any(i["question"] == PAYLOAD_Q for i in rep["added"])
    code, stdout, _ = cli(capsys, "report", "--format", "json", "--db", fixture_kb)
    assert code == 0 and stdout == out.read_text(encoding="utf-8")  # same KB, same bytes
    code, stdout, _ = cli(capsys, "report", "--format", "md", "--db", fixture_kb)
    assert code == 0 and stdout.startswith("# yibao-kb report: run 1 → 2")
    code, _, err = cli(capsys, "report", "--out", str(tmp_path / "r.html"), "--db", fixture_kb)
    assert code == 0 and (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    for args in (
        ["--from-run", "99"],
        ["--to-run", "99"],
        ["--since", "2026-01-01", "--to-run", "2"],
        ["--since", "soon"],
        ["--format", "pdf"],
    ):
        code, _, err = cli(capsys, "report", *args, "--db", fixture_kb)
        assert code == 2, err
        assert err.startswith("kb: error:") and len(err.strip().splitlines()) == 1
        assert "Traceback" not in err


def test_html_caps_huge_sections(fixture_kb: str) -> None:
    from kb.report import render_html as render

    rep = report_for(fixture_kb)
    rep.section("added").items = rep.items("added")[:1] * 1000
    html = render(rep)
    assert html.count('<article class="entry">') < 400 and "… and 700 more" in html


def test_a_new_section_is_one_function(fixture_kb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """How a section is added: a function of the window's facts, registered with @section."""
    from kb.report import sections
    from kb.report.model import EntryItem

    monkeypatch.setattr(sections, "SECTIONS", list(sections.SECTIONS))  # registered for this test only

    @sections.section("disclaimer_dropped", "Disclaimer dropped", "disclaimers dropped")
    def disclaimer_dropped(facts: sections.Facts) -> list[EntryItem]:
        return [
            EntryItem(**sections.ref(facts, c.id))
            for c in sections.changed(facts)
            if c.disclaimer.old and not c.disclaimer.new
        ]

    rep = report_for(fixture_kb)
    assert ids(rep.items("disclaimer_dropped")) == ["ebbbb"]
    assert rep.summary.counts["disclaimer_dropped"] == 1 and "1 disclaimers dropped" in rep.summary.line
    data = json.loads(render_json(rep))
    assert list(data)[-3:] == ["disclaimer_dropped", "runs", "health"]
    assert data["disclaimer_dropped"] == [
        {
            "id": "ebbbb",
            "question": "城乡居民医保怎么交?",
            "url": "http://127.0.0.1:8001/ask/b.html",
            "site": "sample-portal",
        }
    ]
    html = render_html(rep)
    assert '<section id="disclaimer_dropped"><h2>Disclaimer dropped (1)</h2>' in html
    assert "## Disclaimer dropped (1)" in render_markdown(rep)
