"""Issue 12 (9): terminal escapes from a page never reach an editor's terminal.

A hostile page hides ESC/BEL/CSI sequences (clear the screen, set the window title, ring the bell) and
C1 controls in its title and answer. Crawled for real, the KB stores none of them, and neither
``kb show`` nor the report's Markdown prints one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.security.scope_sites import HostileSite, html, kb_crawl

# Everything an ANSI/VT terminal acts on: C0 but newline and tab, DEL, C1.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x07"


def kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("escapes")
    db = f"sqlite:///{folder / 'kb.sqlite'}"
    answer = "".join(  # escapes in a few paragraphs of many: a text page, not a binary body
        f"<p>职工医保门诊报销比例为70%,{ESCAPES if n % 4 == 0 else ''}年度最高支付限额为3000元,"
        "需在定点医院就医并持医保卡结算,异地就医需提前备案。</p>"
        for n in range(12)
    )
    page = html(f"<h1>职工医保{ESCAPES}门诊怎么报销?</h1><div class='answer'>{answer}</div>")
    with HostileSite(routes={"/": page}) as site:
        result = kb_crawl(db, "--start-url", f"{site.origin}/")
    assert result.returncode == 0, result.stderr
    export = kb("export", "--db", db, "--out", "-")
    assert export.returncode == 0, export.stderr
    (entry,) = json.loads(export.stdout)["entries"]
    return {"db": db, "entry": entry, "folder": folder}


def test_the_kb_stores_no_control_character_from_the_page(crawled: dict) -> None:
    entry = crawled["entry"]
    assert "门诊怎么报销" in entry["question"] and "3000元" in entry["answer"]
    assert not CONTROLS.search(entry["question"] + entry["answer"]), repr(entry["answer"][:80])


def test_kb_show_prints_no_escape_sequence(crawled: dict) -> None:
    shown = kb("show", crawled["entry"]["id"], "--db", crawled["db"])
    assert shown.returncode == 0, shown.stderr
    assert "3000元" in shown.stdout
    assert not CONTROLS.search(shown.stdout.replace("\n", "")), repr(shown.stdout[:200])


def test_the_markdown_report_holds_no_escape_sequence(crawled: dict) -> None:
    out = crawled["folder"] / "report.md"
    report = kb("report", "--db", crawled["db"], "--format", "md", "--out", str(out))
    assert report.returncode == 0, report.stderr
    text = out.read_text(encoding="utf-8")
    assert "门诊怎么报销" in text
    assert not CONTROLS.search(text.replace("\n", "").replace("\t", "")), "control character in report.md"
