"""``kb demo``: the whole flow on the bundled sample site, twice, in one command.

Edition 1 is served and crawled, the KB exported; the server switches to edition 2 on the
same ports (URLs must not change), the site is crawled again, exported again, and the diff
report between the two runs is written in HTML, Markdown and JSON; an editor account is made for
``kb serve`` over the demo KB.
Each step is the real ``kb`` command, run as a subprocess: a Scrapy crawl owns its
process (the Twisted reactor cannot restart), and the demo shows exactly what an operator runs.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from kb.accounts import add_user
from kb.db import session
from kb.models import Run
from sample_site import use_profiles
from sample_site.server import SampleSite

SITES = ("sample-portal", "sample-city")


DEMO_EDITOR = "demo-editor"
DEMO_MARK = ".kb-demo"  # in a folder kb demo made: only such a folder's KB is replaced
# What a demo writes: a folder holding nothing else is an earlier demo's (made before the mark existed)
DEMO_FILES = frozenset(
    {"kb.sqlite", "kb.sqlite-wal", "kb.sqlite-shm", "kb.sqlite.lock", "kb.json", "kb-edition1.json"}
    | {"report.html", "report.md", "report.json"}
)


@dataclass
class DemoResult:
    out: Path
    runs: list[dict] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    editor: tuple[str, str] = ("", "")  # name, password of the demo's editor account (kb serve)


def kb(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """Run one ``kb`` command against the demo KB; a failure stops the demo with its stderr."""
    cmd = [sys.executable, "-m", "kb", *args, "--db", db]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"`kb {args[0]}` failed with exit code {proc.returncode}: {tail[0]}")
    return proc


def earlier_demo(out: Path) -> bool:
    """A folder an earlier demo made before the mark existed: the demo's files and nothing else, its
    edition-1 export among them (a folder with just a kb.sqlite is someone's KB)."""
    names = {p.name for p in out.iterdir()}
    return "kb-edition1.json" in names and names <= DEMO_FILES


def prepare_out(out: Path) -> None:
    """Make ``out`` the demo's folder: a new or empty one gets ``DEMO_MARK``; one an earlier demo made
    is reused (its KB replaced); any other folder is refused (``RuntimeError``), never emptied: ``kb
    demo --out .`` must not delete ``./kb.sqlite``."""
    if out.exists() and not out.is_dir():
        raise RuntimeError(f"--out {out} exists and is not a folder")
    if out.is_dir() and not (out / DEMO_MARK).exists() and any(out.iterdir()) and not earlier_demo(out):
        raise RuntimeError(f"--out {out} is not empty and was not made by kb demo: give a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARK).write_text("made by kb demo: its KB, exports and reports are replaced by the next demo\n")


def run_demo(out: Path, echo=print) -> DemoResult:  # type: ignore[no-untyped-def]
    use_profiles()
    prepare_out(out)
    db_path = out / "kb.sqlite"
    for stale in (db_path, out / "kb.sqlite-wal", out / "kb.sqlite-shm"):
        stale.unlink(missing_ok=True)
    db = f"sqlite:///{db_path.resolve()}"
    result = DemoResult(out=out)
    with SampleSite(edition=1) as site:
        crawl_args = ["crawl", "--delay", "0"]
        for url in site.start_urls:
            crawl_args += ["--start-url", url]
        for edition in (1, 2):
            site.set_edition(edition)
            echo(f"edition {edition}: crawling {' and '.join(site.start_urls)} …")
            kb(*crawl_args, db=db)
            export = out / ("kb.json" if edition == 2 else "kb-edition1.json")
            kb("export", "--out", str(export), db=db)
            result.files.append(export)
    for fmt, name in (("html", "report.html"), ("md", "report.md"), ("json", "report.json")):
        kb("report", "--format", fmt, "--out", str(out / name), db=db)
        result.files.append(out / name)
    result.report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    with session(db) as s:
        runs = s.exec(select(Run).where(Run.kind == "crawl").order_by(Run.id)).all()
        result.runs = [r.model_dump() for r in runs[-2:]]
        password = secrets.token_urlsafe(9)  # a fresh KB each demo: a fresh password for its one account
        add_user(s, DEMO_EDITOR, password, role="editor")
        result.editor = (DEMO_EDITOR, password)
    result.files.insert(0, db_path)
    return result
