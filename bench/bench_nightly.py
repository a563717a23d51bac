"""Every nightly step on synthetic KBs of 100k and 1M entries: time and peak RSS, each in its own process.

``python -m bench nightly [--sizes 100000 1000000] [--sample 1000] [--backend sqlite|postgresql]``

The KB (``bench.synthetic_kb``, cached under /tmp) is copied, then the night runs on the copy as
``scheduled/kb-nightly`` runs it, one process per step: ingest of a night's pages (``--sample``: new
answers and near copies, one crawl run), ``kb flags --refresh``, ``kb export``, ``kb report --since``
(the night), and the refresh spider's choice of due pages (``kb.revisit.pages_in_order``, every due
page read; the old ``known_pages``, every page at once, as the baseline). The clock is pinned
(``KB_NOW``) two days after the KB's pages were last fetched: half of them are due.

Reported per step and size: wall and CPU seconds, peak RSS (the process's ``ru_maxrss``, from
``wait4``); then each step's ratio, largest size over smallest, of CPU per entry of the KB (ingest:
per page ingested, the night being the same size) and of peak RSS (1.00 = linear time, flat memory).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import synthetic_kb

NOW = "2026-01-07T02:00:00"  # two days after T0: every second page is due
SINCE = "2026-01-07T00:00:00"

INGEST = """
import sys
from bench import synthetic_kb
from kb import runs
from kb.db import session
from kb.ingest import ingest
from kb.clock import now
url, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pages = synthetic_kb.sample(url, n, size)
with session(url) as s:
    run = runs.start_run(s, spider="discover", site="sample-portal")
for page_url, q, a, _ in pages:
    with session(url) as s:
        ingest(s, synthetic_kb.snapshot(page_url, q, a, now()), run.id)
with session(url) as s:
    runs.finish_run(s, run.id, "ok")
"""

DUE = """
import sys
from datetime import datetime
from kb import revisit
from kb.db import session
url, mode = sys.argv[1], sys.argv[2]
due = datetime.fromisoformat(sys.argv[3])
if mode == "stream":
    n = sum(1 for _ in revisit.pages_in_order(lambda: session(url), due_before=due))
else:
    with session(url) as s:
        n = len(revisit.known_pages(s, due_before=due))
print(n)
"""


def run_step(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one step in its own process, reaped with ``wait4`` to read its own rusage: wall and CPU
    seconds, peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(
            f"{' '.join(args[:6])}: exit {proc.returncode}: {err[-2000:].decode(errors='replace')}"
        )
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def night(n: int, sample: int, backend: str, folder: Path, only: list[str]) -> dict[str, dict[str, Any]]:
    cached = synthetic_kb.cached(n, backend)
    url = synthetic_kb.working_copy(cached, f"night-{n}")
    env = {**os.environ, "KB_NOW": NOW, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    py = sys.executable
    steps = {
        "ingest": [py, "-c", INGEST, url, str(n), str(sample)],
        "flags --refresh": [py, "-m", "kb", "flags", "--refresh", "--db", url],
        "export": [py, "-m", "kb", "export", "--db", url, "--out", str(folder / f"kb-{n}.json")],
        "report": [py, "-m", "kb", "report", "--since", SINCE, "--format", "json", "--db", url,
                   "--out", str(folder / f"report-{n}.json")],
        "due pages (stream)": [py, "-c", DUE, url, "stream", NOW],
        "due pages (all at once, before)": [py, "-c", DUE, url, "list", NOW],
    }  # fmt: skip
    results = {}
    for name, args in steps.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        results[name] = run_step(args, env)
        r = results[name]
        print(
            f"  {n:>9,} {name:<32} wall {r['wall']:8.1f} s  CPU {r['cpu']:8.1f} s "
            f"({r['cpu'] / n * 1e6:7.1f} us/entry)  peak RSS {r['rss_mb']:6.0f} MB",
            flush=True,
        )
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_nightly", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--steps", nargs="*", default=[], help="only the steps whose names start so")
    args = parser.parse_args(argv)
    folder = synthetic_kb.CACHE / "nightly-out"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"nightly steps, {args.backend}, {args.sample} pages ingested per night, KB_NOW={NOW}")
    table = {n: night(n, args.sample, args.backend, folder, args.steps) for n in args.sizes}
    print(
        "\n| step | "
        + " | ".join(f"{n:,}: CPU s (wall) / peak RSS" for n in args.sizes)
        + " | CPU per entry, RSS: largest / smallest |"
    )
    print("|---|" + "---:|" * (len(args.sizes) + 1))
    small, large = args.sizes[0], args.sizes[-1]
    for name in table[small]:
        cells = [
            f"{table[n][name]['cpu']:.1f} ({table[n][name]['wall']:.1f}) / {table[n][name]['rss_mb']:.0f} MB"
            for n in args.sizes
        ]
        a, b = table[small][name], table[large][name]
        per = 1 if name == "ingest" else large / small  # ingest: the same night's pages at every size
        ratio = f"{b['cpu'] / a['cpu'] / per:.2f}, {b['rss_mb'] / a['rss_mb']:.2f}" if large != small else "-"
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    print(json.dumps({str(n): v for n, v in table.items()}))


if __name__ == "__main__":
    main(sys.argv[1:])
