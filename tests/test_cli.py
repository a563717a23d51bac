"""The CLI's shared behaviour: help everywhere, one clear line and exit code 2 for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def kb(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_lists_commands() -> None:
    result = kb("--help")
    assert result.returncode == 0
    assert "db" in result.stdout and "demo" in result.stdout


@pytest.mark.parametrize("args", [["no-such-command"], ["db", "upgrade", "--no-such-option"]])
def test_bad_arguments_are_one_line_and_exit_2(args: list[str]) -> None:
    result = kb(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("kb: error:")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_creates_the_kb(tmp_path: Path) -> None:
    result = kb("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kb.sqlite").exists()
    current = kb("db", "current", "--db", f"sqlite:///{tmp_path / 'kb.sqlite'}")
    assert "(head)" in current.stdout + current.stderr


def test_unopenable_database_is_one_line(tmp_path: Path) -> None:
    result = kb("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'missing' / 'kb.sqlite'}")
    assert result.returncode == 2
    assert result.stderr.startswith("kb: error: cannot open")
    assert "Traceback" not in result.stderr


def test_profiles_load_and_match() -> None:
    from sites import profiles

    assert profiles.for_url("http://127.0.0.2:8080/zcwd/1.html").name == "sample-city"
    assert profiles.for_url("http://example.org/x").name == "generic"
    assert profiles.get("sample-city").priority > profiles.get("sample-portal").priority
    assert profiles.get("sample-city").is_qa("http://127.0.0.2:1/zcwd/a1.html") is True
    assert profiles.get("generic").is_qa("http://x/y") is None
