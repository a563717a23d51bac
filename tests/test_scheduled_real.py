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


def night(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(WRAPPER)], env=env, capture_output=True, text=True, timeout=180)


def test_two_nights_with_the_real_kb(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    notes = tmp_path / "notify.log"
    (tmp_path / "empty.env").write_text("")
    with SampleSite(edition=1) as site:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "KB_ENV_FILE": str(tmp_path / "empty.env"),
            "KB_BIN": str(KB),
            "KB_PYTHON": sys.executable,
            "KB_OUT_DIR": str(out),
            "KB_START_URLS": " ".join(site.start_urls),
            "KB_CRAWL_ARGS": "--delay 0",
            "KB_KEEP": "5",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite'}",
            "KB_NOTIFY_CMD": f'{{ echo "== $KB_NOTIFY_STATUS"; cat; }} >> "{notes}"',
        }
        first = night(env)
        assert first.returncode == 0, first.stderr
        site.set_edition(2)
        second = night(env)
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

    # editors were told both nights, with each report's own summary line
    messages = notes.read_text(encoding="utf-8").split("== ")[1:]
    assert [m.splitlines()[0] for m in messages] == ["ok", "ok"]
    assert night1["summary"]["line"].split()[0] in messages[0]
    assert " ".join(night2["summary"]["line"].split()) in messages[1]
    assert str(dirs[1] / "report.html") in messages[1]
    log = (dirs[1] / "run.log").read_text()
    for step in ("[crawl] exit 0", "[flags] exit 0", "[export] exit 0", "[report] exit 0", "[done] exit 0"):
        assert step in log
