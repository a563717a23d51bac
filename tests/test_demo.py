"""`kb demo` end to end: the sample site's two editions, crawled, exported and reported."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site.server import SampleSite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "kb", "demo", "--out", str(out)], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr
    (out / "stdout.txt").write_text(proc.stdout, encoding="utf-8")
    return out


def test_demo_writes_every_file(demo_out: Path) -> None:
    for name in ("kb.sqlite", "kb-edition1.json", "kb.json", "report.html", "report.md", "report.json"):
        assert (demo_out / name).stat().st_size > 0, name


def test_second_run_reports_exactly_the_edition_2_changes(demo_out: Path) -> None:
    report = json.loads((demo_out / "report.json").read_text(encoding="utf-8"))
    changes = SampleSite.manifest(2)["changes"]
    assert len(report["changed"]) == len(changes["changed"]) == 3
    assert len(report["gone"]) == len(changes["gone"]) == 2
    assert len(report["added"]) == len(changes["added"]) == 2
    assert len(report["merged"]) == 1  # the near-duplicate copy became a second source
    amounts = json.dumps(report["changed"], ensure_ascii=False)
    assert "3000元" in amounts and "4000元" in amounts


def test_rotated_cards_and_counters_make_no_version(demo_out: Path) -> None:
    first = json.loads((demo_out / "kb-edition1.json").read_text(encoding="utf-8"))["entries"]
    second = json.loads((demo_out / "kb.json").read_text(encoding="utf-8"))["entries"]
    report = json.loads((demo_out / "report.json").read_text(encoding="utf-8"))
    changed = {item["id"] for item in report["changed"]}
    before = {e["id"]: e for e in first}
    for entry in second:
        if entry["id"] in before and entry["id"] not in changed:
            assert entry["version"] == before[entry["id"]]["version"], entry["question"]
            assert entry["content_hash"] == before[entry["id"]]["content_hash"]
    assert all(
        before[i]["version"] + 1 == next(e for e in second if e["id"] == i)["version"] for i in changed
    )


def test_the_export_never_carries_related_cards(demo_out: Path) -> None:
    export = (demo_out / "kb.json").read_text(encoding="utf-8")
    # Card titles and the footer line may never leak; a bare 首页 may (an answer can say "点击首页").
    for noise in ("相关推荐", "大家都在搜", "健康新闻", "首页 顶部"):
        assert noise not in export


def test_summary_and_every_format_show_the_number_change(demo_out: Path) -> None:
    stdout = (demo_out / "stdout.txt").read_text(encoding="utf-8")
    assert "second run: 2 added, 3 changed, 2 gone, 1 merged" in stdout
    for name in ("report.html", "report.md"):
        text = (demo_out / name).read_text(encoding="utf-8")
        assert "3000元" in text and "4000元" in text, name


def test_demo_ends_with_the_command_that_opens_the_app(demo_out: Path) -> None:
    from kb.accounts import authenticate
    from kb.db import session

    stdout = (demo_out / "stdout.txt").read_text(encoding="utf-8")
    *_, told, command = stdout.strip().splitlines()
    assert command.strip().endswith(f"kb serve --db {demo_out / 'kb.sqlite'}")
    found = re.search(r"log in at http://127.0.0.1:8080/ as (\S+), password (\S+), after running:", told)
    assert found, told
    with session(f"sqlite:///{demo_out / 'kb.sqlite'}") as s:
        account = authenticate(s, found.group(1), found.group(2))
        assert account is not None and account.role == "editor"
