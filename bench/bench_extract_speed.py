"""Extraction throughput: ``extract_page`` against bare ``trafilatura.extract`` on the same pages.

``python -m bench extract_speed`` (or ``python -m bench.bench_extract_speed [--rounds N]
[--external DIR]``). Pages: the sample site (both editions) and the labelled eval set; with
``--external`` also eval-external's HTML pages (read in place). Each round times both over every
page (order alternating between rounds); the medians of the rounds give pages/second, and the
ratio ours / trafilatura is the figure the issue asks for (target >= 1.0x).

Both get the raw bytes, as a crawler would hand them over: trafilatura decodes them itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import trafilatura

from extract import extract_page

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.0  # issue 13.7: at least bare trafilatura.extract's pages/s


def load_pages(external: Path | None = None) -> list[tuple[str, bytes]]:
    files = sorted((ROOT / "sample_site" / "site").glob("edition*/*/**/*.html"))
    files += sorted((ROOT / "bench" / "evalset" / "pages").glob("*.html"))
    if external is not None and external.is_dir():
        files += sorted(external.glob("*/html/*.html"))
    return [(f"http://127.0.0.1/{f.name}", f.read_bytes()) for f in files]


def _time_ours(pages: list[tuple[str, bytes]]) -> float:
    t0 = time.perf_counter()
    for url, body in pages:
        extract_page(body, url)
    return time.perf_counter() - t0


def _time_trafilatura(pages: list[tuple[str, bytes]]) -> float:
    t0 = time.perf_counter()
    for _url, body in pages:
        try:
            trafilatura.extract(body, include_comments=False)
        except Exception:  # noqa: BLE001 - count the time spent all the same
            pass
    return time.perf_counter() - t0


def measure(pages: list[tuple[str, bytes]], rounds: int) -> dict[str, float]:
    ours, theirs = [], []
    _time_ours(pages[:5])  # warm imports and caches before timing
    _time_trafilatura(pages[:5])
    for i in range(rounds):
        if i % 2:
            theirs.append(_time_trafilatura(pages))
            ours.append(_time_ours(pages))
        else:
            ours.append(_time_ours(pages))
            theirs.append(_time_trafilatura(pages))
    n = len(pages)
    ours_pps = n / statistics.median(ours)
    theirs_pps = n / statistics.median(theirs)
    return {"pages": n, "rounds": rounds, "ours_pps": ours_pps, "trafilatura_pps": theirs_pps,
            "ratio": ours_pps / theirs_pps}  # fmt: skip


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.bench_extract_speed", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--external", type=Path, help="also time eval-external's pages (read in place)")
    args = ap.parse_args(argv)
    sets = [("sample site + eval set", load_pages())]
    if args.external is not None:
        if args.external.is_dir():
            sets.append(("sample site + eval set + eval-external", load_pages(args.external)))
        else:
            print(f"external: skipped ({args.external} does not exist)")
    print("| pages | n | rounds | extract_page pages/s | trafilatura.extract pages/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    worst = None
    for name, pages in sets:
        r = measure(pages, args.rounds)
        worst = r["ratio"] if worst is None else min(worst, r["ratio"])
        print(f"| {name} | {r['pages']} | {r['rounds']} | {r['ours_pps']:.1f} | {r['trafilatura_pps']:.1f} | "
              f"{r['ratio']:.2f}x |")  # fmt: skip
    print(f"target >= {TARGET}x: {'met' if worst is not None and worst >= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
