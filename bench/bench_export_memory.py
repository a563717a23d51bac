"""Peak memory of ``kb export`` on synthetic KBs of 10k / 50k / 100k entries, against a baseline.

Streaming export (kb.export: keyset-paged chunks, one entry written at a time) against the obvious
way: load every entry into a list and ``json.dumps`` the whole document. Each measurement runs in
a fresh subprocess, so one run's heap never inflates the next; it reports the Python heap peak
(tracemalloc) and the process's peak RSS (ru_maxrss), plus wall time. Medians over ``--repeat``.

    python -m bench export_memory [--sizes 10000,50000,100000] [--repeat 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bench.synthetic_kb import build as make_kb  # the scale benchmarks' synthetic KB (one builder)

CHILD = r"""
import json, resource, sys, time, tracemalloc
from kb.db import get_engine, session
url, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
get_engine(url)  # open (and migrate-check) the KB before measuring
from kb.clock import generated_at
from kb.export import export_entries, iter_entries
tracemalloc.start()
t = time.perf_counter()
with session(url) as s:
    if mode == "stream":
        n = export_entries(s, out)
    else:
        entries = list(iter_entries(s))
        doc = {"schema_version": 1, "generated_at": generated_at(s), "entries": entries}
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(doc, ensure_ascii=False))
        n = len(entries)
secs = time.perf_counter() - t
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"n": n, "heap_peak": peak, "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "secs": secs}))
"""


def measure(url: str, mode: str, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, mode, str(out)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(sizes: list[int], repeat: int, folder: Path) -> list[dict[str, float]]:
    rows = []
    for n in sizes:
        url = f"sqlite:///{folder / f'kb-{n}.sqlite'}"
        if not (folder / f"kb-{n}.sqlite").exists():
            t = datetime.now()
            make_kb(url, n)
            print(f"  built {n} entries in {(datetime.now() - t).total_seconds():.1f}s", flush=True)
        results: dict[str, list[dict[str, float]]] = {"stream": [], "baseline": []}
        for _ in range(repeat):
            for mode in ("stream", "baseline"):
                results[mode].append(measure(url, mode, folder / f"out-{mode}.json"))
        row: dict[str, float] = {"n": n}
        for mode, got in results.items():
            for key in ("heap_peak", "rss_peak", "secs"):
                row[f"{mode}_{key}"] = statistics.median(r[key] for r in got)
        row["size_mb"] = (folder / "out-stream.json").stat().st_size / 1e6
        rows.append(row)
        mb = 1024 * 1024
        print(
            f"  {n:>7} entries ({row['size_mb']:.0f} MB): stream heap {row['stream_heap_peak'] / mb:6.1f} MiB, "
            f"RSS {row['stream_rss_peak'] / mb:6.1f} MiB, {row['stream_secs']:.1f}s | baseline heap "
            f"{row['baseline_heap_peak'] / mb:7.1f} MiB, RSS {row['baseline_rss_peak'] / mb:7.1f} MiB, "
            f"{row['baseline_secs']:.1f}s | heap ratio {row['baseline_heap_peak'] / row['stream_heap_peak']:.0f}x",
            flush=True,
        )
    return rows


def markdown(rows: list[dict[str, float]], repeat: int) -> str:
    mb = 1024 * 1024
    lines = [
        f"`python -m bench export_memory` (median of {repeat}, each in a fresh process; SQLite KB,"
        " one version, 1.5 sources and 1/3 flagged per entry). Heap = tracemalloc peak; RSS = ru_maxrss.",
        "",
        "| entries | export size | stream heap | stream RSS | stream time | baseline heap | baseline RSS"
        " | baseline time | heap ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {int(r['n']):,} | {r['size_mb']:.0f} MB | {r['stream_heap_peak'] / mb:.1f} MiB"
            f" | {r['stream_rss_peak'] / mb:.0f} MiB | {r['stream_secs']:.1f} s"
            f" | {r['baseline_heap_peak'] / mb:.0f} MiB | {r['baseline_rss_peak'] / mb:.0f} MiB"
            f" | {r['baseline_secs']:.1f} s | {r['baseline_heap_peak'] / r['stream_heap_peak']:.0f}× |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_export_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dir", type=Path, default=None, help="Keep the synthetic KBs here (reused if present)."
    )
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = run(sizes, args.repeat, folder)
    print()
    print(markdown(rows, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
