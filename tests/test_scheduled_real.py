"""scheduled/kb-nightly against the real `kb` and the real sample site: two nights, edition 1 then 2."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sample_site.server import SampleSite

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "scheduled" / "kb-nightly"
KB = Path(sys.executable).parent / "kb"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) is not installed"),
    pytest.mark.skipif(not KB.exists(), reason="the kb console script is not installed next to python"),
]


def shipped_env_file(tmp_path: Path, port: str) -> Path:
    """scheduled/yibao-kb.env.example as shipped, with only its paths moved (into tmp and this checkout's
    venv) and its port (8700) made the free one the sample site is served on."""
    example = (ROOT / "scheduled" / "yibao-kb.env.example").read_text(encoding="utf-8")
    env_file = tmp_path / "yibao-kb.env"
    env_file.write_text(
        example.replace("/opt/yibao-kb/.venv/bin/", f"{KB.parent}/")
        .replace("/opt/yibao-kb/", f"{ROOT}/")
        .replace("/var/lib/yibao-kb/", f"{tmp_path}/")
        .replace(":8700/", f":{port}/"),
        encoding="utf-8",
    )
    return env_file


def night(env_file: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(env_file.parent)}  # no KB_* from this test process
    return subprocess.run(
        ["bash", str(WRAPPER), "--env", str(env_file), *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_two_nights_of_the_shipped_env_example(tmp_path: Path) -> None:
    """The example works as shipped against the sample site served as the README says (`python -m
    sample_site.server --port N`: both sites on one port), night after night."""
    out = tmp_path / "runs"
    notes = tmp_path / "notify.log"
    with SampleSite(edition=1, port=0) as site:
        port = site.portal_url.rsplit(":", 1)[1]
        assert site.city_url == f"http://127.0.0.2:{port}"
        env_file = shipped_env_file(tmp_path, port)
        notify = ("--notify", f'{{ echo "== $KB_NOTIFY_STATUS"; cat; }} >> "{notes}"')
        first = night(env_file, *notify)
        assert first.returncode == 0, first.stderr
        site.set_edition(2)
        second = night(env_file, *notify)
        assert second.returncode == 0, second.stderr

    dirs = sorted(p for p in out.iterdir() if p.is_dir() and re.match(r"\d{4}-\d\d-\d\dT\d{4}", p.name))
    assert len(dirs) == 2
    for d in dirs:
        for name in ("kb.json", "report.html", "report.md", "report.json", "run.log"):
            assert (d / name).stat().st_size > 0, d / name
    assert (out / "latest").resolve() == dirs[1].resolve()

    night1 = json.loads((dirs[0] / "report.json").read_text(encoding="utf-8"))
    night2 = json.loads((dirs[1] / "report.json").read_text(encoding="utf-8"))
    export1 = json.loads((dirs[0] / "kb.json").read_text(encoding="utf-8"))
    export2 = json.loads((dirs[1] / "kb.json").read_text(encoding="utf-8"))
    # night 1 adds the whole KB; night 2 reports only what edition 2 changed, each in its own report
    assert len(night1["added"]) == len(export1["entries"]) > 20
    changes = SampleSite.manifest(2)["changes"]
    assert len(night2["changed"]) >= len(changes["changed"]) > 0 and len(night2["gone"]) >= 1
    assert len(night2["added"]) < len(night1["added"])
    assert {e["id"] for e in export1["entries"]} & {e["id"] for e in export2["entries"]}
    # both sites, each under its sample profile (read through the example's KB_PROFILE_DIRS)
    assert {s["site"] for e in export1["entries"] for s in e["sources"]} == {"sample-portal", "sample-city"}

    # editors were told both nights, with each report's own summary line
    messages = notes.read_text(encoding="utf-8").split("== ")[1:]
    assert [m.splitlines()[0] for m in messages] == ["ok", "ok"]
    assert night1["summary"]["line"].split()[0] in messages[0]
    assert " ".join(night2["summary"]["line"].split()) in messages[1]
    assert str(dirs[1] / "report.html") in messages[1]
    log = (dirs[1] / "run.log").read_text()
    for step in ("[crawl] exit 0", "[flags] exit 0", "[export] exit 0", "[report] exit 0", "[done] exit 0"):
        assert step in log


def test_a_night_of_three_sites_one_down_exits_14_with_the_good_two_done(tmp_path: Path) -> None:
    """KB_SITES names both sample sites and one whose robots.txt answers 500: one crawl of all three,
    the good two crawled and reported, the bad one named in the report's sites table, exit 14."""
    from tests.downsite import DownSite
    from tests.test_crawl_sites import site_profiles

    out = tmp_path / "runs"
    with SampleSite(edition=1) as site, DownSite(robots_status=500) as down:
        site_profiles(tmp_path / "profiles", site, down)
        env_file = tmp_path / "yibao-kb.env"
        env_file.write_text(
            f"DATABASE_URL=sqlite:///{tmp_path / 'kb.sqlite'}\nKB_PROFILE_DIRS={tmp_path / 'profiles'}\n"
            f'KB_SITES="sample-portal sample-city down-city"\nKB_CRAWL_ARGS="--delay 0"\n'
            f"KB_OUT_DIR={out}\nKB_BIN={KB}\nKB_PYTHON={sys.executable}\n",
            encoding="utf-8",
        )
        result = night(env_file)

    assert result.returncode == 14, result.stderr
    assert "sites failed: down-city" in result.stderr
    assert set(down.paths) == {"/robots.txt"}
    report = json.loads((out / "latest" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["sites_failed"] == ["down-city"]
    (run,) = [r for r in report["runs"] if r["kind"] == "crawl"]  # one crawl for the three sites
    sites = {s["site"]: s for s in run["sites"]}
    assert sites["down-city"]["status"] == "failed" and "robots.txt unavailable" in sites["down-city"]["reason"]
    assert sites["sample-portal"]["status"] == sites["sample-city"]["status"] == "ok"
    assert len(report["added"]) == sites["sample-portal"]["new"] + sites["sample-city"]["new"] > 20
    html = (out / "latest" / "report.html").read_text(encoding="utf-8")
    assert '<tr class="failed"><td>down-city</td><td>failed</td>' in html
    log = (out / "latest" / "run.log").read_text()
    assert log.count("[crawl] start") == 1 and "[crawl] exit 3" in log and "[report] exit 0" in log
    assert (out / "runs.log").read_text().split("\t")[1:3] == ["14", "partial"]
