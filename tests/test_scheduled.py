"""scheduled/kb-nightly: lock contention, failure exit codes, notify, retention.

The wrapper runs for real (bash, flock, the real filesystem). The `kb` it drives here is a stub
written into tmp_path (KB_BIN), so these tests pin the wrapper's own behaviour; the run against the
real `kb` is in test_scheduled_real.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "scheduled" / "kb-nightly"

pytestmark = pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) is not installed")

# A stand-in for `kb`: records its argv, fails the command named in STUB_FAIL, and writes what
# `kb export` / `kb report --out` would write (report.json carries STUB_SUMMARY as its summary).
STUB = """\
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["STUB_CALLS"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(args) + "\\n")
print("stub kb", *args)
if args and args[0] == os.environ.get("STUB_FAIL"):
    print("stub: this step fails", file=sys.stderr)
    sys.exit(int(os.environ.get("STUB_FAIL_CODE", "1")))
if "--out" in args:
    out = Path(args[args.index("--out") + 1])
    if args[0] == "report" and out.suffix == ".json":
        out.write_text(json.dumps({"summary": json.loads(os.environ["STUB_SUMMARY"])}), encoding="utf-8")
    else:
        out.write_text(args[0], encoding="utf-8")
"""

QUIET = {"added": 0, "changed": 0, "gone": 0, "flagged": 0, "conflicts": 0, "line": "nothing changed"}
BUSY = {
    "added": 2,
    "changed": 1,
    "gone": 0,
    "flagged": 1,
    "conflicts": 0,
    "line": "2 new, 1 changed (3000元 → 4000元)",
}
DATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{4}(-\d+)?$")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment for one wrapper run against the stub kb; out folder tmp_path/runs."""
    stub = tmp_path / "kb"
    stub.write_text(f"#!{sys.executable}\n{STUB}", encoding="utf-8")
    stub.chmod(0o755)
    (tmp_path / "empty.env").write_text("", encoding="utf-8")
    notify_log = tmp_path / "notify.log"
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "KB_ENV_FILE": str(tmp_path / "empty.env"),  # never the machine's /etc/yibao-kb.env
        "KB_BIN": str(stub),
        "KB_PYTHON": sys.executable,
        "KB_OUT_DIR": str(tmp_path / "runs"),
        "KB_SITES": "sample-portal sample-city",
        "KB_KEEP": "5",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite'}",
        "KB_NOTIFY_CMD": f'{{ echo "status=$KB_NOTIFY_STATUS"; echo "subject=$KB_NOTIFY_SUBJECT"; cat; }} >> "{notify_log}"',
        "STUB_CALLS": str(tmp_path / "calls.jsonl"),
        "STUB_SUMMARY": json.dumps(QUIET),
    }


def run(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(WRAPPER), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def calls(env: dict[str, str]) -> list[list[str]]:
    path = Path(env["STUB_CALLS"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def notified(env: dict[str, str]) -> str:
    path = Path(env["KB_NOTIFY_CMD"].rsplit(">>", 1)[1].strip().strip('"'))
    return path.read_text(encoding="utf-8") if path.exists() else ""


def run_dirs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and DATED.match(p.name))


def test_quiet_run_does_every_step_in_order_into_a_dated_folder(env: dict[str, str]) -> None:
    result = run(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # quiet for cron
    steps = [c[0] for c in calls(env)]
    assert steps == ["crawl", "flags", "export", "report", "report", "report"]
    assert calls(env)[0] == ["crawl", "--site", "sample-portal", "--site", "sample-city"]  # one crawl, both at once
    assert calls(env)[1] == ["flags", "--refresh"]
    out = Path(env["KB_OUT_DIR"])
    (name,) = run_dirs(out)
    run_dir = out / name
    assert {"kb.json", "report.html", "report.md", "report.json", "run.log"} <= {
        p.name for p in run_dir.iterdir()
    }
    # every report covers this run's window, given as --since (all of its crawls, not only the last)
    for c in calls(env)[3:]:
        assert c[c.index("--out") + 1].startswith(str(run_dir))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c[c.index("--since") + 1])
    log = (run_dir / "run.log").read_text()
    assert "stub kb crawl --site sample-portal --site sample-city" in log and "[done] exit 0" in log
    assert (out / "latest").resolve() == run_dir.resolve()
    assert (out / "runs.log").read_text().split("\t")[:3] == [name, "0", "ok"]
    assert notified(env) == ""  # nothing for editors: no message


def test_editors_get_the_summary_when_there_is_something_to_do(env: dict[str, str]) -> None:
    env["STUB_SUMMARY"] = json.dumps(BUSY)
    result = run(env, "--start-url", "http://127.0.0.1:9/", "--start-url", "http://127.0.0.2:9/")
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in calls(env)][:1] == ["crawl"]
    assert calls(env)[0][1:5] == ["--start-url", "http://127.0.0.1:9/", "--start-url", "http://127.0.0.2:9/"]
    assert sum(c[0] == "crawl" for c in calls(env)) == 1  # flags win over KB_SITES: one crawl of the URLs
    message = notified(env)
    assert "status=ok" in message
    assert "2 new, 1 changed (3000元 → 4000元)" in message
    assert "report.html" in message


def test_some_sites_failing_is_exit_14_after_every_step(env: dict[str, str]) -> None:
    """kb crawl's exit 3 (some sites failed, the others crawled): the night goes on to the report,
    `latest` moves, and the exit code and the message name the failed sites."""
    env.update(STUB_FAIL="crawl", STUB_FAIL_CODE="3", STUB_SUMMARY=json.dumps({**BUSY, "sites_failed": ["down-city"]}))
    result = run(env)
    assert result.returncode == 14, result.stderr
    assert [c[0] for c in calls(env)] == ["crawl", "flags", "export", "report", "report", "report"]
    assert "sites failed: down-city" in result.stderr
    out = Path(env["KB_OUT_DIR"])
    (name,) = run_dirs(out)
    assert (out / "latest").resolve() == (out / name).resolve()
    assert (out / "runs.log").read_text().split("\t")[:3] == [name, "14", "partial"]
    message = notified(env)
    assert "status=partial" in message and "down-city" in message and "2 new, 1 changed" in message


@pytest.mark.parametrize(("step", "code"), [("crawl", 10), ("flags", 11), ("export", 12), ("report", 13)])
def test_a_failing_step_stops_the_run_with_its_own_exit_code_and_notifies(
    env: dict[str, str], step: str, code: int
) -> None:
    env["STUB_FAIL"] = step
    result = run(env)
    assert result.returncode == code
    assert f"step {step}" in result.stderr and "failed (exit 1)" in result.stderr
    assert "stub: this step fails" in result.stderr  # the log's tail comes along
    steps = [c[0] for c in calls(env)]
    assert steps[-1] == step and steps.count(step) == 1  # stopped at the first failure
    message = notified(env)
    assert "status=failed" in message and f"step {step}" in message and "FAILED" in message
    out = Path(env["KB_OUT_DIR"])
    assert not (out / "latest").exists()  # latest keeps pointing at the last good run
    assert (out / "runs.log").read_text().split("\t")[1:3] == [str(code), "failed"]


def test_a_failing_notify_command_does_not_change_the_exit_code(env: dict[str, str]) -> None:
    env["STUB_SUMMARY"] = json.dumps(BUSY)
    env["KB_NOTIFY_CMD"] = "exit 7"
    result = run(env)
    assert result.returncode == 0, result.stderr
    log = next(Path(env["KB_OUT_DIR"]).glob("*/run.log")).read_text()
    assert "notify command failed (exit 7)" in log


def test_second_run_exits_at_once_while_the_lock_is_held(env: dict[str, str], tmp_path: Path) -> None:
    lock = tmp_path / "nightly.lock"
    env["KB_LOCK_FILE"] = str(lock)
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the "first run"
        result = run(env, timeout=10)
    assert result.returncode == 75
    assert "another run holds the lock" in result.stderr and str(lock) in result.stderr
    assert calls(env) == []  # did nothing
    out = Path(env["KB_OUT_DIR"])
    assert run_dirs(out) == []
    assert notified(env) == ""
    # once released, the next run goes ahead
    assert run(env).returncode == 0


def test_retention_keeps_the_last_n_dated_folders_and_nothing_else_is_touched(env: dict[str, str]) -> None:
    out = Path(env["KB_OUT_DIR"])
    keep = 4
    old = [f"2020-01-{day:02d}T0230" for day in range(1, keep + 4)] + [
        "2020-01-01"
    ]  # N+3 and a date-only one
    for name in old:
        (out / name).mkdir(parents=True)
        (out / name / "kb.json").write_text("{}")
    (out / "notes").mkdir()  # not a run folder: never removed
    (out / "2020-13-xx").mkdir()
    result = run(env, "--keep", str(keep))
    assert result.returncode == 0, result.stderr
    remaining = run_dirs(out) + sorted(
        p.name for p in out.iterdir() if re.fullmatch(r"\d{4}-\d\d-\d\d", p.name)
    )
    assert len(remaining) == keep
    newest = run_dirs(out)[-1]
    assert newest > "2026"  # today's run is kept
    assert set(remaining) == set(sorted([*old, newest])[-keep:])
    assert (out / "notes").is_dir() and (out / "2020-13-xx").is_dir()
    assert "[retention] removed 2020-01-01" in (out / newest / "run.log").read_text()


def test_failed_runs_never_push_out_the_run_latest_points_at(env: dict[str, str]) -> None:
    """KEEP=3, one good night then three failing ones: latest still resolves to the good night."""
    out = Path(env["KB_OUT_DIR"])
    assert run(env, "--keep", "3").returncode == 0
    good = (out / "latest").resolve()
    env["STUB_FAIL"] = "crawl"
    for _ in range(3):
        assert run(env, "--keep", "3").returncode == 10
    assert (out / "latest").resolve() == good and good.is_dir()
    assert len(run_dirs(out)) == 3  # the good one and the two newest failures
    assert (good / "kb.json").exists()


def test_passwords_in_urls_never_reach_the_log_or_the_notification(env: dict[str, str]) -> None:
    env["KB_CRAWL_ARGS"] = "--redis redis://worker:s3cr3t-pw@127.0.0.1:6379/0"
    env["DATABASE_URL"] = "postgresql://yibao:db-s3cr3t@127.0.0.1:5432/kb"
    env["STUB_FAIL"] = "crawl"  # the failure path sends the log's tail to KB_NOTIFY_CMD
    result = run(env)
    assert result.returncode == 10
    (name,) = run_dirs(Path(env["KB_OUT_DIR"]))
    log = (Path(env["KB_OUT_DIR"]) / name / "run.log").read_text()
    assert "redis://worker:***@127.0.0.1:6379/0" in log  # the command line is logged, masked
    for text in (log, notified(env), result.stderr, result.stdout):
        assert "s3cr3t" not in text


def test_two_runs_in_the_same_minute_get_two_folders(env: dict[str, str]) -> None:
    assert run(env).returncode == 0
    assert run(env).returncode == 0
    names = run_dirs(Path(env["KB_OUT_DIR"]))
    assert len(names) == 2 and names[1].startswith(names[0])  # second is "<stamp>-2" (or the next minute)


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--keep", "0"], {}, "keep must be a whole number"),
        (["--bogus"], {}, "unknown argument: --bogus"),
        ([], {"KB_SITES": ""}, "nothing to crawl"),
        (["--env", "/nonexistent/yibao-kb.env"], {}, "env file /nonexistent/yibao-kb.env"),
        (["--kb", "/nonexistent/kb"], {}, "kb program '/nonexistent/kb' not found"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    env: dict[str, str], args: list[str], extra: dict[str, str], message: str
) -> None:
    env.update(extra)
    result = run(env, *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert calls(env) == []


def test_env_file_configures_the_run_and_flags_win(env: dict[str, str], tmp_path: Path) -> None:
    env_file = tmp_path / "yibao-kb.env"
    env_file.write_text(
        f"KB_SITES=from-env-file\nKB_KEEP=3\nKB_OUT_DIR={tmp_path / 'elsewhere'}\n"
        'KB_CRAWL_ARGS="--max-pages 7 --delay 0"\n',
        encoding="utf-8",
    )
    result = run(env, "--env", str(env_file), "--keep", "9")
    assert result.returncode == 0, result.stderr
    assert calls(env)[0] == ["crawl", "--site", "from-env-file", "--max-pages", "7", "--delay", "0"]
    assert len(run_dirs(tmp_path / "elsewhere")) == 1


def test_help_documents_the_exit_codes() -> None:
    result = subprocess.run(["bash", str(WRAPPER), "--help"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0
    for code in ("75", "10", "11", "12", "13"):
        assert code in result.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """The service + timer pass `systemd-analyze verify` (ExecStart pointed at this checkout)."""
    service = (ROOT / "scheduled" / "yibao-kb-nightly.service").read_text()
    assert "ExecStart=/opt/yibao-kb/scheduled/kb-nightly" in service and "SuccessExitStatus=75" in service
    (tmp_path / "yibao-kb-nightly.service").write_text(
        service.replace("/opt/yibao-kb/scheduled/kb-nightly", str(WRAPPER))
    )
    shutil.copy(ROOT / "scheduled" / "yibao-kb-nightly.timer", tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(p) for p in sorted(tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_is_hardened(tmp_path: Path) -> None:
    """`systemd-analyze security` rates the service under 3 (it was 8.5 EXPOSED)."""
    unit = tmp_path / "yibao-kb-nightly.service"
    shutil.copy(ROOT / "scheduled" / "yibao-kb-nightly.service", unit)
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-500:] + result.stderr
    assert float(match.group(1)) < 3.0, result.stdout
    text = unit.read_text()
    for line in ("ProtectSystem=strict", "UMask=0027", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n"):
        assert line in text
    assert "169.254" in text or "link-local" in text  # cloud metadata is out of reach


def test_crontab_example_runs_the_wrapper_nightly() -> None:
    lines = [
        line.split()
        for line in (ROOT / "scheduled" / "crontab.example").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert lines, "no schedule line"
    minute, hour, dom, month, dow, user, command = lines[0][:7]
    assert (dom, month, dow) == ("*", "*", "*") and minute.isdigit() and hour.isdigit()
    assert command.endswith("scheduled/kb-nightly")


def test_env_example_is_valid_shell_and_names_what_the_wrapper_reads() -> None:
    example = ROOT / "scheduled" / "yibao-kb.env.example"
    result = subprocess.run(
        ["bash", "-c", f'set -a; . "{example}"; echo "$KB_SITES|$KB_KEEP|$KB_OUT_DIR"'],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 0 and result.stdout.strip().split("|")[1] == "14"
    wrapper = WRAPPER.read_text()
    read_by_kb = (ROOT / "sites" / "profiles" / "__init__.py").read_text()  # KB_PROFILE_DIRS: kb reads it
    for name in re.findall(r"^#?(KB_[A-Z_]+)=", example.read_text(), re.M):
        assert name in wrapper or name in read_by_kb, name
