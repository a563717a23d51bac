"""``kb export``: the contract (validated against kb/export.schema.json), filters, stability, atomicity."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from kb.db import session
from kb.export import atomic_open, export_entries, schema
from tests.test_report_fixtures import PAYLOAD_Q, build_fixture_kb, cli


def kb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def entry_validator() -> jsonschema.Draft202012Validator:
    sub = {"$ref": "#/$defs/entry", "$defs": schema()["$defs"]}
    return jsonschema.Draft202012Validator(sub)


@pytest.fixture
def fixture_kb(db_url: str) -> str:
    build_fixture_kb(db_url)
    return db_url


def export_doc(db_url: str, **kw: object) -> dict:
    buf = io.StringIO()
    with session(db_url) as s:
        export_entries(s, buf, **kw)  # type: ignore[arg-type]
    return json.loads(buf.getvalue())


def test_export_validates_and_carries_the_contract(fixture_kb: str) -> None:
    doc = export_doc(fixture_kb)
    validate(doc)
    assert doc["schema_version"] == 1
    ids = [e["id"] for e in doc["entries"]]
    assert ids == sorted(ids)
    assert "ecccc" not in ids and "eoooo" not in ids  # gone and off-topic are left out by default
    a = next(e for e in doc["entries"] if e["id"] == "eaaaa")
    assert a["version"] == 2 and "4000元" in a["answer"] and a["content_hash"] == "h-eaaaa-2"
    assert a["url"].endswith("/zcwd/a.html")
    assert [s["site"] for s in a["sources"]] == ["sample-city", "sample-portal"]  # highest priority first
    assert a["flags"] == [{"name": "changed_since_verified", "reason": "verified v1, now v2"}]
    assert a["verified"] == {"by": "li", "at": "2026-01-05T04:01:00Z", "version": 1}
    assert a["published"] == "2025-12-01" and a["updated"] is None  # the page's own dates, as extracted
    b = next(e for e in doc["entries"] if e["id"] == "ebbbb")
    assert b["flags"] == [] and b["verified"] is None and b["has_verification_disclaimer"] is False
    assert b["published"] is None  # a page without a date: null, not a guess
    p = next(e for e in doc["entries"] if e["id"] == "epwned")
    assert p["question"] == PAYLOAD_Q and p["has_verification_disclaimer"] is True  # data, kept verbatim
    assert "versions" not in a


def test_filters_and_history(fixture_kb: str) -> None:
    every = export_doc(fixture_kb, include_gone=True, include_off_topic=True, history=True)
    validate(every)
    assert {"ecccc", "eoooo"} <= {e["id"] for e in every["entries"]}
    a = next(e for e in every["entries"] if e["id"] == "eaaaa")
    assert [v["number"] for v in a["versions"]] == [1, 2]
    assert [v["published"] for v in a["versions"]] == ["2025-12-01", "2025-12-01"]
    assert "3000元" in a["versions"][0]["answer"]
    flagged = export_doc(fixture_kb, flags=["needs_verification"])
    assert [e["id"] for e in flagged["entries"]] == ["epwned"]  # ebbbb's flag was cleared
    gone = export_doc(fixture_kb, flags=["gone"], include_gone=True)
    assert [e["id"] for e in gone["entries"]] == ["ecccc"]
    city = export_doc(fixture_kb, site="sample-city")
    assert [e["id"] for e in city["entries"]] == ["eaaaa", "edddd"]
    from kb.clock import parse_time

    recent = export_doc(fixture_kb, since=parse_time("2026-01-06"))
    assert [e["id"] for e in recent["entries"]] == ["eaaaa", "ebbbb", "edddd", "eeeee", "epwned"]


def test_two_exports_are_byte_identical_and_jsonl_matches(
    fixture_kb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two, lines = tmp_path / "one.json", tmp_path / "two.json", tmp_path / "kb.jsonl"
    monkeypatch.delenv("KB_NOW", raising=False)
    r1 = kb("export", "--out", str(one), "--db", fixture_kb, env={"KB_NOW": ""})  # the real command, once
    assert r1.returncode == 0, r1.stderr
    code, _, err = cli(capsys, "export", "--out", str(two), "--db", fixture_kb)
    assert code == 0, err
    assert one.read_bytes() == two.read_bytes()
    doc = json.loads(one.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["generated_at"] == "2026-01-06T02:05:00Z"  # the last run's finish, not the wall clock
    code, _, err = cli(capsys, "export", "--format", "jsonl", "--out", str(lines), "--db", fixture_kb)
    assert code == 0, err
    rows = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    validator = entry_validator()
    for row in rows:
        validator.validate(row)
    assert rows == doc["entries"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_stdout_and_bad_input(fixture_kb: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "export", "--flag", "gone", "--include-gone", "--db", fixture_kb)
    assert code == 0, err
    assert [e["id"] for e in json.loads(out)["entries"]] == ["ecccc"]
    for args in (
        ["--flag", "nope"],
        ["--since", "yesterday"],
        ["--out", "/no/such/dir/x.json"],
        ["--format", "xml"],
    ):
        code, _, err = cli(capsys, "export", *args, "--db", fixture_kb)
        assert code == 2, err
        assert err.startswith("kb: error:") and len(err.strip().splitlines()) == 1


def test_failed_export_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "kb.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_empty_kb_exports_valid_document(db_url: str) -> None:
    doc = export_doc(db_url)
    validate(doc)
    assert doc["entries"] == []


def test_postgres_gives_the_same_bytes(db_url: str, pg_url: str) -> None:
    """Same rows in SQLite and PostgreSQL: the same export and the same report, byte for byte."""
    from kb.report import build_report, render_json

    outputs = []
    for url in (db_url, pg_url):
        build_fixture_kb(url)
        buf = io.StringIO()
        with session(url) as s:
            export_entries(s, buf, history=True, include_gone=True, include_off_topic=True)
            outputs.append((buf.getvalue(), render_json(build_report(s))))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]
