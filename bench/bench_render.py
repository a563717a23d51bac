"""Rendered vs plain fetches: pages/s and peak memory of a crawl through headless Chromium.

The same Q&A site (``sample_site.scripted``) twice: its pages built by scripts and crawled with
``render = "browser"`` (scrapy-playwright, Debian's chromium), and its content in the HTML crawled with
plain requests, each by one ``kb crawl --delay 0`` into a fresh SQLite KB. Reported (medians over
``--rounds``, the two alternating within each round):

- pages/s: pages the KB recorded over the run's own time (``Run.started_at`` to ``finished_at``);
- entries: Q&A entries made (the same for both; past the 5 seed answers, pages are numbered copies,
  which merge as near-duplicates);
- peak memory: the largest proportional set size (PSS) summed over the crawl's process and its children
  (Chromium's browser, renderer and GPU processes), sampled from /proc every 50 ms;
- the ratio of plain to rendered pages/s, from the same round.

    python -m bench.bench_render [--rounds 3] [--pages 30]   (python -m bench render)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sample_site.scripted import ScriptedSite


def tree_pss_mb(root: int) -> float:
    """Proportional set size of ``root`` and every descendant, in MB (Linux /proc).

    PSS, not RSS: Chromium's processes share most of their pages, and a sum of their RSS counts those
    once per process (2.7 GB for a browser that uses ~0.6 GB).
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
                total_kb += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


def crawl(site: ScriptedSite, render: str, folder: Path) -> dict[str, Any]:
    from sqlmodel import func, select

    from kb.db import session
    from kb.models import Entry, Run

    profiles = folder / f"profiles-{render}"
    profiles.mkdir(exist_ok=True)
    (profiles / "bench-site.toml").write_text(site.profile("bench-site", render=render), encoding="utf-8")
    db = f"sqlite:///{folder / f'{render}-{time.monotonic_ns()}.sqlite'}"
    env = {**os.environ, "KB_PROFILE_DIRS": str(profiles), "KB_LOG_LEVEL": "ERROR"}
    args = [sys.executable, "-m", "kb", "crawl", "--site", "bench-site", "--delay", "0", "--db", db]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_pss_mb(proc.pid))
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"kb crawl ({render}) exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
    with session(db) as s:
        run = s.exec(select(Run)).one()
        entries = s.exec(select(func.count()).select_from(Entry)).one()
    seconds = (run.finished_at - run.started_at).total_seconds()
    return {"pages_s": run.fetched / seconds, "pages": run.fetched, "entries": entries, "rss": peak}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_render")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=30)
    opts, _ = ap.parse_known_args(argv)
    from crawler.render import BrowserMissing, chromium

    try:
        chromium()
    except BrowserMissing as exc:
        print(f"skipped: {exc}")
        return
    kinds = ("plain", "browser")
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with ScriptedSite("127.0.0.31", pages=opts.pages, scripts=False) as plain_site, ScriptedSite(
            "127.0.0.32", pages=opts.pages, scripts=True
        ) as script_site:
            for r in range(opts.rounds):
                order = kinds if r % 2 == 0 else kinds[::-1]
                got = {k: crawl(plain_site if k == "plain" else script_site, k, folder) for k in order}
                for k in kinds:
                    results[k].append(got[k])
                ratios.append(got["plain"]["pages_s"] / got["browser"]["pages_s"])
                print(f"  round {r + 1}: " + ", ".join(f"{k} {got[k]['pages_s']:.1f} pages/s" for k in kinds), flush=True)
    print(f"{opts.pages} Q&A pages + home, --delay 0, medians of {opts.rounds} rounds:")
    print(f"{'fetch':<8} {'pages/s':>8} {'pages':>6} {'entries':>8} {'peak PSS MB':>12}")
    for k in kinds:
        rows = results[k]
        med = {f: statistics.median(r[f] for r in rows) for f in ("pages_s", "pages", "entries", "rss")}
        print(f"{k:<8} {med['pages_s']:8.1f} {med['pages']:6.0f} {med['entries']:8.0f} {med['rss']:12.0f}")
    print(f"plain / rendered pages/s (same round): median {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
