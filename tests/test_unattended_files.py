# ruff: noqa: F811  (the `kb` fixture is imported from test_kb_editors and named by the tests)
"""What the commands write outside the KB: only what they own. `--out` follows a symlink to its target and
never replaces a device, a FIFO or a folder; output files follow the umask; `kb crawl --jobdir` and
`kb demo --out` empty only folders they made."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crawler.launch import JOBDIR_MARK, RESUMABLE_MARK, clear_jobdir, prepare_jobdir
from kb.db import get_engine
from kb.demo import prepare_out
from tests.test_kb_editors import Out, kb  # noqa: F401  (the in-process `kb` fixture)


def test_out_through_a_symlink_writes_its_target_and_keeps_the_link(kb, db_url: str, tmp_path: Path) -> None:
    get_engine(db_url)
    target = tmp_path / "exports" / "kb.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    out = kb("export", "--out", str(link), "--db", db_url)
    assert out.returncode == 0, out
    assert link.is_symlink() and link.resolve() == target
    assert '"entries"' in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["kb.json"]  # no temp file left behind


@pytest.mark.parametrize("command", ["export", "report", "feedback"])
def test_out_refuses_a_fifo_a_device_and_a_folder(kb, db_url: str, tmp_path: Path, command: str) -> None:
    get_engine(db_url)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    device = tmp_path / "full"
    device.symlink_to("/dev/full")
    for target, kind in ((fifo, "a FIFO"), (device, "a device"), (tmp_path, "a folder")):
        out = kb(command, "--out", str(target), "--db", db_url)
        assert out.returncode == 2, out
        assert f"{target} is {kind}: not replaced" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and device.is_symlink()
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_output_files_follow_the_umask(kb, db_url: str, tmp_path: Path) -> None:
    get_engine(db_url)
    old = os.umask(0o077)
    try:
        assert kb("export", "--out", str(tmp_path / "kb.json"), "--db", db_url).returncode == 0
        assert kb("report", "--format", "md", "--out", str(tmp_path / "r.md"), "--db", db_url).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kb.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "r.md").stat().st_mode) == 0o600
    old = os.umask(0o022)
    try:
        assert kb("export", "--out", str(tmp_path / "kb.json"), "--db", db_url).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kb.json").stat().st_mode) == 0o644


def test_jobdir_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "work"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(Exception, match="not empty and was not made by kb crawl"):
        prepare_jobdir(mine, resume=False)
    with pytest.raises(Exception, match="not empty and was not made by kb crawl"):
        prepare_jobdir(mine, resume=True)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_jobdir_removes_only_what_it_made(tmp_path: Path) -> None:
    new = tmp_path / "job"
    prepare_jobdir(new, resume=False)
    (new / "requests.queue").mkdir()
    clear_jobdir(new)  # the crawl ended: a folder it made goes
    assert not new.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    prepare_jobdir(empty, resume=False)  # an empty folder of yours: used, emptied after, kept
    (empty / "requests.seen").write_text("x")
    (empty / RESUMABLE_MARK).write_text("stopped cleanly\n")
    assert prepare_jobdir(empty, resume=True)[0]  # resumed
    clear_jobdir(empty)
    assert empty.is_dir() and list(empty.iterdir()) == []
    assert JOBDIR_MARK == "kb-jobdir"


def test_kb_crawl_jobdir_dot_is_refused(
    kb, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kb.sqlite").write_bytes(b"")
    out = kb("crawl", "--jobdir", ".", "--start-url", "http://127.0.0.1:9/", "--db", db_url)
    assert out.returncode == 2 and "--jobdir . is not empty and was not made by kb crawl" in out.stderr
    assert (tmp_path / "kb.sqlite").exists()


def test_demo_out_dot_keeps_the_default_kb(kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kb.sqlite").write_text("the operator's KB")
    out = kb("demo", "--out", ".")
    assert out.returncode == 2 and "--out . is not empty and was not made by kb demo" in out.stderr
    assert (tmp_path / "kb.sqlite").read_text() == "the operator's KB"
    (tmp_path / "notes.txt").write_text("mine")
    out = kb("demo", "--out", ".")
    assert out.returncode == 2 and (tmp_path / "notes.txt").exists()
    old = tmp_path / "old-demo"  # an earlier demo's folder, from before the mark: only its files
    old.mkdir()
    for name in ("kb.sqlite", "kb-edition1.json", "kb.json", "report.html"):
        (old / name).write_text("x")
    prepare_out(old)
    assert (old / ".kb-demo").exists()
    prepare_out(tmp_path / "demo")  # a new folder: the demo's, reused by the next demo
    (tmp_path / "demo" / "kb.sqlite").write_text("an earlier demo")
    prepare_out(tmp_path / "demo")
