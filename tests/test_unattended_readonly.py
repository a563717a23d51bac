# ruff: noqa: F811  (the `kb` fixture is imported from test_kb_editors and named by the tests)
"""Commands that only read never create a KB, `--db` must be a URL, and a KB (or an --out folder) that
cannot be written is one line and exit 2 for every command that writes, never a traceback.

Read-only is real: files and folders without write permission. As root (who ignores permissions) the
command runs with CAP_DAC_OVERRIDE dropped from its bounding set (`setpriv`), so the kernel refuses
its writes as it would refuse any other user's.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kb.db import get_engine
from kb.db import session as kb_session
from kb.ingest import ingest
from tests.test_kb_editors import Out, kb  # noqa: F401  (the in-process `kb` fixture)
from tests.test_kb_helpers import PORTAL, seed, snap

READ_ONLY = [
    ["stats"],
    ["show", "e0"],
    ["history", "e0"],
    ["flags"],
    ["export"],
    ["report"],
    ["feedback"],
    ["db", "current"],
    ["user", "list"],
    ["serve", "--port", "1"],
    ["verify", "e0", "--by", "li.na"],
    ["flags", "--refresh"],
    ["reextract"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_command_that_does_not_create_says_no_kb(kb, tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "new.sqlite"
    out = kb(*args, "--db", f"sqlite:///{path}")
    assert out.returncode == 2, out
    assert (
        out.stderr.strip()
        == f"kb: error: no KB at sqlite:///{path} (`kb crawl` or `kb db upgrade` creates one)"
    )
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_db_must_be_a_url_and_a_typo_in_database_url_makes_nothing(
    kb,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    out = kb("stats", "--db", "notaurl")
    assert out.returncode == 2 and "'notaurl' is not a KB URL" in out.stderr
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/kb.sqlit")  # the KB is kb.sqlite
    out = kb("export")
    assert out.returncode == 2 and out.stderr.startswith("kb: error: no KB at ")
    assert list(tmp_path.iterdir()) == []
    out = kb("db", "upgrade")  # a command that writes may create it
    assert out.returncode == 0 and (tmp_path / "kb.sqlit").is_file()


def read_only(path: Path) -> None:
    """Take write permission away from ``path`` (a file or a folder)."""
    path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


def run_unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """``kb ARGS`` in a process the kernel holds to file permissions (root without DAC override)."""
    cmd = [sys.executable, "-m", "kb", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *cmd]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"}
    )


def one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kb: error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return lines[0]


@pytest.fixture
def read_only_kb(db_url: str) -> tuple[str, str]:
    """A KB with one entry whose file is read-only (its folder is not: SQLite's -wal and -shm live there)."""
    q, a, _ = seed(0)
    with kb_session(db_url) as s:
        entry_id = ingest(s, snap(f"{PORTAL}/ask/s000.html", q, a), None).entry_id
    get_engine(db_url).dispose()
    read_only(Path(db_url.split(":///", 1)[1]))
    return db_url, entry_id


@pytest.mark.parametrize(
    "args",
    [
        ["flags", "--refresh"],
        ["verify", "ENTRY", "--by", "li.na"],
        ["reextract"],
        ["crawl", "--start-url", "http://127.0.0.1:9/"],
    ],
    ids=lambda a: a[0],
)
def test_a_read_only_kb_is_one_line_for_commands_that_write(
    read_only_kb: tuple[str, str], args: list[str]
) -> None:
    db, entry_id = read_only_kb
    line = one_line_exit_2(run_unprivileged(*[entry_id if a == "ENTRY" else a for a in args], "--db", db))
    assert "readonly database" in line


@pytest.mark.parametrize("args", [["export"], ["report"], ["feedback"]], ids=lambda a: a[0])
def test_out_into_a_read_only_folder_is_one_line(db_url: str, tmp_path: Path, args: list[str]) -> None:
    get_engine(db_url)
    folder = tmp_path / "ro"
    folder.mkdir()
    read_only(folder)
    line = one_line_exit_2(run_unprivileged(*args, "--out", str(folder / "out.json"), "--db", db_url))
    assert "Permission denied" in line and str(folder) in line
    assert list(folder.iterdir()) == []


def test_demo_into_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    read_only(tmp_path)
    try:
        line = one_line_exit_2(run_unprivileged("demo", "--out", str(tmp_path / "demo")))
    finally:
        tmp_path.chmod(0o755)
    assert "Permission denied" in line
