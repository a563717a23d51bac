"""Editors' CLI on a real KB file: verify, show, history (with diffs), flags table, stats."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kb.cli import main
from kb.db import get_engine
from kb.db import session as kb_session
from kb.diff import char_diff, new_text, old_text
from kb.ingest import ingest
from kb.normalize import number_changes
from tests.test_kb_helpers import CITY, PORTAL, later, seed, snap


@dataclass
class Out:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def kb(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Out]:
    """The real ``kb`` entry point, in-process (a subprocess per call costs a second of imports)."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, now: str | None = None) -> Out:
        if now:
            monkeypatch.setenv("KB_NOW", now)
        else:
            monkeypatch.delenv("KB_NOW", raising=False)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Out(code, captured.out, captured.err)

    return run


def test_unknown_id_in_a_real_process(db_url: str) -> None:
    get_engine(db_url)  # an empty KB: `kb show` opens it, it never makes one
    out = subprocess.run(
        [sys.executable, "-m", "kb", "show", "enope", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and out.stderr.strip() == "kb: error: no entry 'enope'"


@pytest.fixture
def kb_file(db_url: str) -> tuple[str, str, str]:
    """A KB with one changed disclaimer entry (s000, 3000元 → 4000元) and one plain entry (s001)."""
    q0, a0, _ = seed(0)
    q1, a1, _ = seed(1)
    with kb_session(db_url) as s:
        r0 = ingest(s, snap(f"{PORTAL}/ask/s000.html", q0, a0, disclaimer=True), None, now=later(0))
        ingest(
            s,
            snap(f"{PORTAL}/ask/s000.html", q0, a0.replace("3000元", "4000元"), disclaimer=True, at=later(1)),
            None,
            now=later(1),
        )
        r1 = ingest(s, snap(f"{CITY}/zcwd/s001.html", q1, a1), None, now=later(0))
    return db_url, r0.entry_id, r1.entry_id


def test_history_shows_versions_with_diffs(kb: Callable[..., Out], kb_file: tuple[str, str, str]) -> None:
    db, e0, _ = kb_file
    out = kb("history", e0, "--db", db)
    assert out.returncode == 0, out.stderr
    assert "v1" in out.stdout and "v2" in out.stdout
    assert "3000元 → 4000元" in out.stdout  # the numbers that moved
    assert "[-3000元-]{+4000元+}" in out.stdout  # the report's char diff, the number shown whole
    data = json.loads(kb("history", e0, "--db", db, "--json").stdout)
    assert [v["version"] for v in data] == [1, 2]
    old, new = data[0]["answer"], data[1]["answer"]
    assert data[1]["numbers"] == number_changes(old, new)
    assert data[1]["diff"] == [list(op) for op in char_diff(old, new)]  # the report's diff, as JSON
    assert old_text(data[1]["diff"]) == old and new_text(data[1]["diff"]) == new
    assert data[1]["question_diff"] is None and data[1]["disclaimer"] is None


def test_verify_show_flags_stats(kb: Callable[..., Out], kb_file: tuple[str, str, str]) -> None:
    db, e0, e1 = kb_file
    table = kb("flags", "--db", db)
    assert table.returncode == 0 and e0 in table.stdout and "needs_verification" in table.stdout
    assert e1 not in table.stdout
    assert json.loads(kb("flags", "--flag", "stale", "--db", db, "--json").stdout) == []
    only_city = json.loads(kb("flags", "--site", "sample-city", "--db", db, "--json").stdout)
    assert only_city == []

    done = kb("verify", e0, "--by", "editor-li", "--note", "checked 医保局官网", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "cleared: needs_verification" in done.stdout
    shown = json.loads(kb("show", e0, "--db", db, "--json").stdout)
    assert shown["flags"] == [] and shown["version"] == 2
    assert shown["verifications"][0]["by"] == "editor-li"
    assert shown["sources"][0]["canonical"] and "4000元" in shown["answer"]
    assert "editor-li" in kb("show", e0, "--db", db).stdout

    # two years later, flags --refresh raises stale for both
    refreshed = kb("flags", "--refresh", "--db", db, now="2028-01-01T00:00:00")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "stale +2/-0" in refreshed.stdout
    stale = json.loads(kb("flags", "--flag", "stale", "--db", db, "--json").stdout)
    assert {r["entry_id"] for r in stale} == {e0, e1}
    first = kb("flags", "--limit", "1", "--db", db)  # a big KB's table: the oldest flags, and how many
    assert "the first 1 shown" in " ".join(first.stdout.split()) and first.stdout.count("stale") == 1

    stats = json.loads(kb("stats", "--db", db, "--json").stdout)
    assert stats["entries"] == {"active": 2} and stats["versions"] == 3
    assert stats["open_flags"]["stale"] == 2 and stats["verifications"] == 1
    assert stats["last_run"]["kind"] == "refresh"
    assert "entries" in kb("stats", "--db", db).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["show", "enope"],
        ["history", "enope"],
        ["verify", "enope", "--by", "x"],
        ["flags", "--flag", "nonsense"],
    ],
)
def test_bad_input_is_one_line_exit_2(
    kb: Callable[..., Out], kb_file: tuple[str, str, str], args: list[str]
) -> None:
    db = kb_file[0]
    out = kb(*args, "--db", db)
    assert out.returncode == 2
    assert out.stderr.startswith("kb: error:") and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_history_shows_a_question_edit_and_the_disclaimer(kb: Callable[..., Out], db_url: str) -> None:
    q, a, _ = seed(3)
    url = f"{PORTAL}/ask/s003.html"
    with kb_session(db_url) as s:
        first = ingest(s, snap(url, q, a), None, now=later(0))
        ingest(s, snap(url, q + "(2026年)", a, disclaimer=True, at=later(1)), None, now=later(1))
    out = kb("history", first.entry_id, "--db", db_url)
    assert out.returncode == 0, out.stderr
    assert "disclaimer added" in out.stdout and "question: " + q + "{+(2026年)+}" in out.stdout
    v2 = json.loads(kb("history", first.entry_id, "--db", db_url, "--json").stdout)[1]
    assert v2["disclaimer"] == "added" and v2["question_diff"] == [["=", q], ["+", "(2026年)"]]
    assert v2["diff"] == [["=", a]] and v2["numbers"] == []
