"""Site profiles are checked when they are read: every problem is named with its file and line, a broken
profile breaks only what names it, and `kb profiles check` lists every problem in every profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site import PROFILES_DIR as SAMPLE_PROFILES
from sample_site.server import SampleSite
from sites import profiles
from sites.profiles import ProfileError, schema

# A profile with one of every mistake, and the line each must be reported on.
CITY = """\
# a city 医保局
name = "city"
hosts = ["ybj.example.gov.cn", "https://www.example.cn:8080/x", "Upper.cn"]
start_urls = ["ftp://x", "https://ybj.example.gov.cn/"]
qa_patterns = [
    '^/zcwd/[^/]+\\.html$',
    '^/ask/(unclosed',
]
priority = "high"
stale_days = 0
gone_after = true
colour = "blue"

[politeness]
DOWNLOAD_DELAY = "slow"
ITEM_PIPELINES = {}
CONCURRENT_REQUESTS_PER_DOMAIN = 1
"""
CITY_PROBLEMS = [
    (3, "hosts: 'https://www.example.cn:8080/x' is not a lower-case host name", "write 'www.example.cn'"),
    (3, "hosts: 'Upper.cn' is not a lower-case host name", "write 'upper.cn'"),
    (4, "start_urls: 'ftp://x' is not an http(s) URL", ""),
    (7, "qa_patterns: '^/ask/(unclosed' is not a valid regular expression", "missing )"),
    (9, "priority must be a whole number", "not 'high'"),
    (10, "stale_days must be >= 1", "not 0"),
    (11, "gone_after must be a whole number", "boolean"),
    (12, "unknown key 'colour'", "known: name, hosts"),
    (15, "politeness.DOWNLOAD_DELAY must be a number", "'slow'"),
    (16, "politeness: unknown setting 'ITEM_PIPELINES'", "DOWNLOAD_DELAY"),
]
SYNTAX = 'name = "bad"\nhosts = ["bad.example.cn"\npriority = 1\n'
# Broken, and on the sample portal's host: URL matching must pass it by.
PORTAL_TYPO = "hosts = ['127.0.0.1']\nqa_patterns = ['^/ask/[']\n"


def folder(root: Path, **files: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / f"{name}.toml").write_text(text, encoding="utf-8")
    return root


def kb(*args: str, dirs: list[Path], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_PROFILE_DIRS": os.pathsep.join(str(d) for d in dirs)}
    return subprocess.run(
        [sys.executable, "-m", "kb", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("kb: error:") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    return proc.stderr


def test_every_problem_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    path = folder(tmp_path, city=CITY) / "city.toml"
    data, problems = schema.read(path)
    assert data is None
    assert len(problems) == len(CITY_PROBLEMS)
    for problem, (line, what, detail) in zip(problems, CITY_PROBLEMS, strict=True):
        assert problem.path == path and problem.line == line, problem
        assert what in problem.message and detail in problem.message, problem
        assert str(problem).startswith(f"{path}:{line}: ")


def test_a_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = folder(tmp_path, bad=SYNTAX) / "bad.toml"
    assert [str(p) for p in schema.read(path)[1]] == [f"{path}:3: TOML syntax: Unclosed array (column 1)"]
    (tmp_path / "dup.toml").write_text("priority = 1\npriority = 2\n")
    assert [p.line for p in schema.read(tmp_path / "dup.toml")[1]] == [2]
    (tmp_path / "gbk.toml").write_bytes('name = "gbk"\n# 医保\n'.encode("gbk"))
    assert [str(p) for p in schema.read(tmp_path / "gbk.toml")[1]] == [
        f"{tmp_path / 'gbk.toml'}:2: not UTF-8 text"
    ]


def test_a_good_profile_reads_into_typed_values(tmp_path: Path) -> None:
    path = folder(tmp_path, good="hosts = ['a.cn']\nqa_patterns = ['^/q/']\npolitieness = 1\n") / "good.toml"
    assert "unknown key 'politieness'" in str(schema.read(path)[1][0])
    path.write_text(
        "hosts = ['a.cn']\nqa_patterns = ['^/q/']\npriority = 5\npoliteness.DOWNLOAD_DELAY = 2.5\n"
        "[politeness]\nCONCURRENT_REQUESTS_PER_DOMAIN = 1\n"
    )
    assert "TOML syntax" in str(schema.read(path)[1][0])  # politeness defined twice
    path.write_text("hosts = ['a.cn']\npriority = 5\n[politeness]\nDOWNLOAD_DELAY = 2.5\n")
    assert schema.read(path) == (
        {"hosts": ("a.cn",), "priority": 5, "politeness": {"DOWNLOAD_DELAY": 2.5}, "name": "good"},
        (),
    )


def test_a_broken_profile_breaks_only_what_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    early = folder(tmp_path / "early", city="hosts = ['ybj.example.gov.cn']\n", portal=SYNTAX)
    late = folder(
        tmp_path / "late", city=CITY, portal="hosts = ['m.example.com']\npriority = 3\n", bad=SYNTAX
    )
    monkeypatch.setenv("KB_PROFILE_DIRS", f"{early}{os.pathsep}{late}")
    found = profiles.catalog()
    # a later folder's file wins: a broken one is broken (never the earlier file silently), a good one is used
    assert sorted(found.profiles) == ["generic", "portal"] and sorted(found.broken) == ["bad", "city"]
    assert profiles.get("portal").priority == 3
    with pytest.raises(ProfileError, match=r"site profile 'city' is broken: .*city.toml:3: hosts: .* more"):
        profiles.get("city")
    with pytest.raises(ProfileError, match="no site profile 'nope'"):
        profiles.require("nope")
    assert profiles.get("nope") is profiles.GENERIC  # an unknown name in old data keeps the generic windows
    # URL matching passes the broken ones by: their hosts fall to generic (or another profile)
    assert profiles.for_url("https://ybj.example.gov.cn/zcwd/1.html").name == "generic"
    assert profiles.for_url("https://m.example.com/q/1.html").name == "portal"
    # the shadowed broken file is still a problem `kb profiles check` lists
    assert {(p.path.parent.name, p.path.stem) for p in found.problems()} == {
        ("early", "portal"),
        ("late", "city"),
        ("late", "bad"),
    }


def test_profiles_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = folder(tmp_path / "bad", city=CITY, bad=SYNTAX)
    proc = kb("profiles", "check", dirs=[SAMPLE_PROFILES, bad, tmp_path / "missing"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines == [
        f"{tmp_path / 'missing'}: no such folder (named in KB_PROFILE_DIRS)",
        f"{bad / 'bad.toml'}:3: TOML syntax: Unclosed array (column 1)",
        *[str(p) for p in schema.read(bad / "city.toml")[1]],
    ]
    assert proc.stderr.startswith(f"kb: {len(CITY_PROBLEMS) + 2} problem(s) in 3 file(s) or folder(s)")


def test_profiles_check_passes_on_the_shipped_profiles_and_list_shows_them(tmp_path: Path) -> None:
    proc = kb("profiles", "check", dirs=[SAMPLE_PROFILES])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("3 profile file(s) ok")
    listed = kb("profiles", "list", dirs=[SAMPLE_PROFILES, folder(tmp_path, bad=SYNTAX)])
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines() if line.startswith("│ ")}
    assert "ok" in rows["sample-city"] and "127.0.0.2" in rows["sample-city"]
    assert "broken" in rows["bad"] and "ok" in rows["generic"]


def test_crawl_of_a_broken_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = folder(tmp_path / "profiles", bad=SYNTAX, city=CITY)
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    err = one_line_error(kb("crawl", "--site", "bad", "--db", db, dirs=[bad]))
    assert f"{bad / 'bad.toml'}:3: TOML syntax: Unclosed array" in err
    err = one_line_error(kb("crawl", "--site", "city", "--db", db, dirs=[bad]))
    assert f"{bad / 'city.toml'}:3: hosts:" in err and "kb profiles check" in err
    assert not (tmp_path / "kb.sqlite").exists()  # refused before anything started


@pytest.mark.slow
def test_a_start_url_crawl_runs_past_broken_profiles_with_one_warning_each(tmp_path: Path) -> None:
    bad = folder(tmp_path / "profiles", bad=SYNTAX, city=CITY, portal_typo=PORTAL_TYPO)
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    with SampleSite() as site:
        proc = kb(
            "crawl", "--delay", "0", "--max-pages", "6", "--start-url", site.portal_url + "/", "--db", db,
            dirs=[SAMPLE_PROFILES, bad],
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "broken" in line]
    assert len(warnings) == 3, proc.stderr
    for name, line in (("bad", 3), ("city", 3), ("portal_typo", 2)):
        assert sum(f"{bad / name}.toml:{line}: " in w for w in warnings) == 1, warnings
    from sqlmodel import select

    from kb.db import session
    from kb.models import Page

    with session(db) as s:
        sites = set(s.exec(select(Page.site)).all())
    assert sites == {"sample-portal"}  # the good profile still matched; the broken one on its host did not
