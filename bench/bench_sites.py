"""A multi-site night: 5 loopback sites at 1 s politeness each, all in one crawl vs one crawl after another.

Each site (``sample_site.scripted`` with its content in the HTML, on a loopback address of its own) has a
profile asking 1 request at a time, 1 s apart, no jitter, no AutoThrottle. A night is either

- ``one after another``: ``kb crawl --site site-K`` five times (what kb-nightly did before), or
- ``all at once``: one ``kb crawl --site site-1 ... --site site-5`` (each site on its own slot),

into a fresh SQLite KB each time. Reported per night (medians over ``--rounds``, the two kinds
alternating within each round): wall time, pages served, whether every site was crawled whole, and the
smallest mean spacing of one site's requests (politeness held: not under the 1 s asked for).
The ratio is one-after-another's wall time over all-at-once's, from the same round.

    python -m bench.bench_sites [--rounds 3] [--pages 8] [--sites 5]   (python -m bench sites)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sample_site.scripted import ScriptedSite

POLITENESS = (
    "[politeness]\nDOWNLOAD_DELAY = 1.0\nCONCURRENT_REQUESTS_PER_DOMAIN = 1\n"
    "DOWNLOAD_DELAY_JITTER = 0\nAUTOTHROTTLE_ENABLED = false\n"
)


def kb_crawl(env: dict[str, str], db: str, sites: list[str]) -> subprocess.CompletedProcess[str]:
    args = [a for name in sites for a in ("--site", name)]
    return subprocess.run(
        [sys.executable, "-m", "kb", "crawl", "--db", db, *args], capture_output=True, text=True, env=env
    )


def night(kind: str, sites: list[ScriptedSite], env: dict[str, str], folder: Path) -> dict[str, Any]:
    for site in sites:
        site.requests.clear()
        site.times.clear()
    slug = kind.replace(" ", "-")
    db = f"sqlite:///{folder / f'{slug}-{time.monotonic_ns()}.sqlite'}"
    names = [f"site-{i + 1}" for i in range(len(sites))]
    start = time.perf_counter()
    if kind == "all at once":
        done = [kb_crawl(env, db, names)]
    else:
        done = [kb_crawl(env, db, [name]) for name in names]
    wall = time.perf_counter() - start
    for crawl in done:
        if crawl.returncode != 0:
            raise SystemExit(f"kb crawl exited {crawl.returncode}: {crawl.stderr[-2000:]}")
    pages = sum(sum(1 for p in s.requests if p != "/robots.txt") for s in sites)
    # a site's mean spacing: Scrapy's delay spaces request starts, so one slow answer can put two
    # arrivals closer than the delay; over a site's whole crawl the pace stays what it asked for
    spacing = [(s.times[-1] - s.times[0]) / (len(s.times) - 1) for s in sites]
    whole = all(set(s.requests) >= {"/", *(f"/qa/{q['id']}.html" for q in s.qa)} for s in sites)
    return {"wall": wall, "pages": pages, "whole": whole, "spacing": min(spacing)}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_sites")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=8, help="Q&A pages per site (plus its home page)")
    ap.add_argument("--sites", type=int, default=5)
    opts, _ = ap.parse_known_args(argv)
    kinds = ("one after another", "all at once")
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    ratios: list[float] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sites = [stack.enter_context(ScriptedSite(f"127.0.0.{21 + i}", pages=opts.pages, scripts=False)) for i in range(opts.sites)]
        profiles = folder / "profiles"
        profiles.mkdir()
        for i, site in enumerate(sites):
            text = site.profile(f"site-{i + 1}", render="plain") + POLITENESS
            (profiles / f"site-{i + 1}.toml").write_text(text, encoding="utf-8")
        env = {**os.environ, "KB_PROFILE_DIRS": str(profiles), "KB_LOG_LEVEL": "ERROR"}
        for r in range(opts.rounds):
            order = kinds if r % 2 == 0 else kinds[::-1]
            got = {k: night(k, sites, env, folder) for k in order}
            for k in kinds:
                results[k].append(got[k])
            ratios.append(got["one after another"]["wall"] / got["all at once"]["wall"])
            print(
                f"  round {r + 1}: one after another {got['one after another']['wall']:.1f} s, "
                f"all at once {got['all at once']['wall']:.1f} s, ratio {ratios[-1]:.2f}x",
                flush=True,
            )
    print(f"{opts.sites} sites x ({opts.pages} Q&A + home), 1 s per request per site, medians of {opts.rounds} rounds:")
    print(f"{'night':<18} {'wall s':>7} {'pages':>6} {'all whole':>9} {'spacing s':>9}")
    for k in kinds:
        rows = results[k]
        print(
            f"{k:<18} {statistics.median(r['wall'] for r in rows):7.1f} "
            f"{statistics.median(r['pages'] for r in rows):6.0f} {str(all(r['whole'] for r in rows)):>9} "
            f"{min(r['spacing'] for r in rows):9.2f}"
        )
    print(f"ratio (one after another / all at once, same round): median {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
