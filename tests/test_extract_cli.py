"""``kb extract``: many files in one call, input order, ``-`` for stdin, ``--url``, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "sample_site" / "site" / "edition1"


def kb(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, input=stdin, timeout=120)


def test_many_files_in_input_order_with_path() -> None:
    files = sorted(str(p) for p in (SITE / "city" / "zcwd").glob("t*.html"))[:3]
    files.insert(1, str(SITE / "portal" / "list" / "1.html"))
    result = kb("extract", *files)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["path"] for r in lines] == files
    assert lines[1]["page_type"] == "listing"
    for rec in (lines[0], lines[2], lines[3]):
        assert rec["page_type"] == "qa" and rec["answer"] and rec["question"]
        for key in ("has_verification_disclaimer", "published", "is_medical_insurance", "related"):
            assert key in rec


def test_stdin_and_url_make_related_links_absolute() -> None:
    body = next((SITE / "portal" / "ask").glob("*.html")).read_bytes()
    result = kb("extract", "-", "--url", "http://127.0.0.1:9999/ask/x.html", stdin=body)
    assert result.returncode == 0, result.stderr
    (rec,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert rec["path"] == "-"
    assert rec["related"] and all(r["url"].startswith("http://127.0.0.1:9999/") for r in rec["related"])


def test_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = kb("extract", str(tmp_path / "nope.html"))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith("kb: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert result.stdout == b""


def test_a_binary_file_has_no_answer_and_exits_2_with_every_record_in_place() -> None:
    """`kb extract /bin/ls` used to print the ELF bytes as the answer, exit 0."""
    page = str(next((SITE / "portal" / "ask").glob("*.html")))
    binary = str(Path(sys.executable).resolve())
    result = kb("extract", page, binary, page)
    assert result.returncode == 2
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["path"] for r in records] == [page, binary, page]
    assert records[0]["answer"] and records[2] == records[0]
    assert records[1]["answer"] == "" and records[1]["question"] == ""
    assert records[1]["no_answer"] == "binary body: not a text page"
    assert result.stderr.decode().splitlines() == [f"kb: {binary}: not a text page (binary)"]


def test_a_directory_is_named_as_one(tmp_path: Path) -> None:
    result = kb("extract", str(tmp_path))
    assert result.returncode == 2 and result.stdout == b""
    err = result.stderr.decode()
    assert err.strip() == f"kb: error: {tmp_path} is a directory: give the files in it ({tmp_path / '*.html'})"


def test_method_and_confidence_are_shown_and_doubtful_pages_named_on_stderr(tmp_path: Path) -> None:
    good = sorted((SITE / "city" / "zcwd").glob("t*.html"))[0]
    shell = tmp_path / "shell.html"  # an on-topic question whose answer is nowhere on the page
    shell.write_text('<html><head><title>职工医保住院报销比例是多少_问医保</title></head><body><div id="app">'
                     "</div></body></html>", encoding="utf-8")  # fmt: skip
    result = kb("extract", str(good), str(shell))
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert first["method"] == "main" and first["confidence"] >= 0.9
    assert second["method"] == "none" and second["confidence"] == 0.0 and second["is_medical_insurance"]
    assert result.stderr.decode().splitlines() == [
        f"kb: {shell}: on-topic question but no answer (no answer text found)"
    ]
