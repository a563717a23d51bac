"""Near-duplicate search at scale: the KB's band table against the in-memory index it replaced.

``python -m bench dedupe_scale [--sizes 100000 1000000] [--sample 1000] [--repeat 3]
[--backend sqlite|postgresql] [--baseline-up-to 100000]``

For each size, a synthetic KB (``bench.synthetic_kb``: answers like the seeds', bulk-inserted, cached
under /tmp) and one sample of pages to ingest into it: 80% new answers, 20% near copies of random
entries (the planted copies). Each measurement runs in a fresh process (peak RSS is per process):

- ``db``: ``kb.dedupe`` as ingest uses it, on a working copy of the KB: first the copy search alone
  (``find_match``) for every sample page, then the real ``kb.ingest.ingest`` of each, one transaction
  per page as the crawl's pipeline does (signature, band lookup, exact confirm, entry, version, bands,
  page, events, flags);
- ``memory`` (the baseline, the previous ``kb.dedupe``: datasketch ``MinHashLSH`` 42 x 3 plus every
  signature in a dict, rebuilt from ``Entry.minhash`` by each process): the rebuild, then the same
  copy search for the same pages (candidates from memory, the exact confirm reading the KB).

Reported (medians over ``--repeat``): copy search and ingest time per page (CPU time of the process:
the machine's cores are shared; wall time alongside), rebuild time, peak RSS, planted copies found.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import synthetic_kb


class MemoryIndex:
    """The baseline: the in-memory index ``kb.dedupe`` kept before the band table (its code, as it was)."""

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(num_perm=128, params=(42, 3))
        self.signatures: dict[str, Any] = {}
        self.questions: dict[str, int] = {}

    def put(self, entry_id: str, mh: Any, qkey: int) -> None:
        import numpy as np

        self.lsh.insert(entry_id, mh, check_duplication=False)
        self.signatures[entry_id] = np.asarray(mh.hashvalues)
        self.questions[entry_id] = qkey

    def candidates(self, mh: Any, qkey: int) -> list[tuple[str, float]]:
        import numpy as np

        from kb import dedupe

        keys = list(self.lsh.query(mh))
        if not keys:
            return []
        sigs = np.stack([self.signatures[k] for k in keys])
        estimates = (sigs == np.asarray(mh.hashvalues)).mean(axis=1)
        near = dedupe.THRESHOLD - dedupe.ESTIMATE_MARGIN
        same_question = dedupe.CONFLICT_THRESHOLD - dedupe.ESTIMATE_MARGIN
        return sorted(
            (k, float(e))
            for k, e in zip(keys, estimates, strict=True)
            if e >= near or (e >= same_question and self.questions.get(k) == qkey)
        )


BANDINGS = [(32, 4), (42, 3), (32, 3), (24, 3), (20, 3), (16, 3)]


def banding_candidates(n: int) -> dict[str, Any]:
    """Raw LSH candidates per answer (rows to read from ``entry_band``) for each banding, over ``n``
    synthetic answers of which one in five is a near copy of an earlier one; and the share of those
    copies that are candidates of their original. Why the band table's banding is 32 x 4."""
    from kb import dedupe
    from kb.normalize import normalized

    rng = random.Random(n)
    texts: list[tuple[str, str]] = []
    copied: list[int | None] = []
    stream = synthetic_kb.answers(seed=9)
    for _ in range(n):
        if texts and rng.random() < 0.2:
            i = rng.randrange(len(texts))
            texts.append((texts[i][0], synthetic_kb.copy_of(texts[i][1], rng)))
            copied.append(i)
        else:
            texts.append(next(stream))
            copied.append(None)
    values = [dedupe.signature(normalized(q, a)).minhash.hashvalues for q, a in texts]
    out: dict[str, Any] = {}
    for bands, rows in BANDINGS:
        buckets: dict[tuple[int, int], list[int]] = {}
        candidates = hits = 0
        for k, hv in enumerate(values):
            keys = dedupe.band_keys(hv, bands, rows)
            found = {j for key in keys for j in buckets.get(key, ())}
            candidates += len(found)
            hits += copied[k] in found
            for key in keys:
                buckets.setdefault(key, []).append(k)
        planted = sum(c is not None for c in copied)
        out[f"{bands}x{rows}"] = {
            "candidates_per_entry": candidates / n,
            "copy_candidate_recall": hits / planted,
        }
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _found(matches: list[str | None], pages: list[tuple[str, str, str, int | None]]) -> dict[str, int]:
    """Planted copies matched to the entry they copy, and new answers matched to any entry."""
    pairs = [(got, page[3]) for got, page in zip(matches, pages, strict=True)]
    return {
        "planted": sum(1 for _, i in pairs if i is not None),
        "found": sum(1 for got, i in pairs if i is not None and got == synthetic_kb.entry_id(i)),
        "wrong": sum(1 for got, i in pairs if i is None and got is not None),
    }


def measure_db(url: str, n: int, size: int) -> dict[str, Any]:
    from kb import dedupe
    from kb.db import get_engine, session
    from kb.ingest import ingest
    from kb.normalize import normalized

    get_engine(url)
    pages = synthetic_kb.sample(url, n, size)
    signatures = [dedupe.signature(normalized(q, a)) for _, q, a, _ in pages]
    base = _rss_mb()
    c0, t0 = time.process_time(), time.perf_counter()
    matches = []
    with session(url) as s:
        for sig in signatures:
            m = dedupe.find_match(s, sig)
            matches.append(m.entry_id if m and m.kind != "conflict" else None)
    search_cpu, search_wall = time.process_time() - c0, time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    outcomes: dict[str, int] = {}
    for page_url, q, a, _ in pages:
        with session(url) as s:
            result = ingest(s, synthetic_kb.snapshot(page_url, q, a, synthetic_kb.T0), None)
            s.commit()
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    ingest_cpu, ingest_wall = time.process_time() - c0, time.perf_counter() - t0
    return {
        "search_us": search_cpu / size * 1e6,
        "search_wall_us": search_wall / size * 1e6,
        "ingest_us": ingest_cpu / size * 1e6,
        "ingest_wall_us": ingest_wall / size * 1e6,
        "rebuild_s": 0.0,
        "base_rss_mb": base,
        "peak_rss_mb": _rss_mb(),
        **_found(matches, pages),
        "outcomes": outcomes,
    }


def measure_memory(url: str, n: int, size: int) -> dict[str, Any]:
    from sqlmodel import select

    from kb import dedupe
    from kb.db import get_engine, session
    from kb.models import Entry, Version
    from kb.normalize import normalize, normalized

    get_engine(url)
    pages = synthetic_kb.sample(url, n, size)
    signatures = [dedupe.signature(normalized(q, a)) for _, q, a, _ in pages]
    base = _rss_mb()
    index = MemoryIndex()
    c0 = time.process_time()
    with session(url) as s:
        rows = s.exec(select(Entry.id, Entry.minhash, Entry.question).execution_options(yield_per=5000))
        for entry_id, data, question in rows:
            index.put(entry_id, dedupe.from_bytes(data), hash(normalize(question)))
    rebuild = time.process_time() - c0
    c0, t0 = time.process_time(), time.perf_counter()
    matches = []
    with session(url) as s:

        def load(entry_id: str) -> tuple[str, str, str] | None:
            row = s.exec(
                select(Version.question, Version.answer, Version.source_url).where(
                    Version.entry_id == entry_id, Version.number == 1
                )
            ).first()
            return (row[0], row[1], row[2]) if row else None

        for sig in signatures:
            m = dedupe.judge(sig, index.candidates(sig.minhash, hash(sig.norm.question)), load)
            matches.append(m.entry_id if m and m.kind != "conflict" else None)
    search_cpu, search_wall = time.process_time() - c0, time.perf_counter() - t0
    return {
        "search_us": search_cpu / size * 1e6,
        "search_wall_us": search_wall / size * 1e6,
        "ingest_us": 0.0,
        "ingest_wall_us": 0.0,
        "rebuild_s": rebuild,
        "base_rss_mb": base,
        "peak_rss_mb": _rss_mb(),
        **_found(matches, pages),
        "outcomes": {},
    }


def _child(mode: str, url: str, n: int, size: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_dedupe_scale", "--child", mode, url, str(n), str(size)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(f"{mode} at {n}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_dedupe_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--baseline-up-to", type=int, default=100_000, help="skip the in-memory baseline above this size"
    )
    parser.add_argument(
        "--bandings-at", type=int, default=20_000, help="compare bandings over this many answers (0: skip)"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)  # mode url n size: one measurement
    args = parser.parse_args(argv)
    if args.child:
        mode, url, n, size = args.child
        measure = measure_db if mode == "db" else measure_memory
        print(json.dumps(measure(url, int(n), int(size))))
        return
    from kb import dedupe

    print(
        f"kb.dedupe: band table {dedupe.BANDS}x{dedupe.ROWS}; baseline: in-memory MinHashLSH 42x3; "
        f"{args.sample} pages per measurement, median of {args.repeat}, {args.backend}"
    )
    table = []
    for n in args.sizes:
        t = time.perf_counter()
        cached = synthetic_kb.cached(n, args.backend)
        print(f"{n:,} entries: KB ready in {time.perf_counter() - t:.0f} s", flush=True)
        for mode in ("db", "memory"):
            if mode == "memory" and n > args.baseline_up_to:
                continue
            runs = []
            for r in range(args.repeat):
                url = synthetic_kb.working_copy(cached, f"work-{n}") if mode == "db" else cached
                runs.append(_child(mode, url, n, args.sample))
                print(f"  {mode} #{r + 1}: {json.dumps(runs[-1])}", flush=True)
            row = {k: statistics.median(x[k] for x in runs) for k in runs[0] if k != "outcomes"}
            row.update(n=n, mode=mode, outcomes=runs[-1]["outcomes"])
            table.append(row)
    print(
        "\n| entries | index | copy search CPU us/page (wall) | ingest CPU us/page (wall) | rebuild | peak RSS"
        " | planted copies found | new answers matched |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in table:
        ingest = f"{r['ingest_us']:.0f} ({r['ingest_wall_us']:.0f})" if r["mode"] == "db" else "-"
        rebuild = f"{r['rebuild_s']:.1f} s" if r["mode"] == "memory" else "none"
        print(
            f"| {r['n']:,} | {'band table' if r['mode'] == 'db' else 'in-memory (baseline)'} | "
            f"{r['search_us']:.0f} ({r['search_wall_us']:.0f}) | {ingest} | {rebuild} | {r['peak_rss_mb']:.0f} MB | "
            f"{r['found']:.0f}/{r['planted']:.0f} | {r['wrong']:.0f} |"
        )
    dbs = [r for r in table if r["mode"] == "db"]
    for r in dbs[1:]:
        print(
            f"per page at {r['n']:,} vs {dbs[0]['n']:,}: copy search x{r['search_us'] / dbs[0]['search_us']:.2f}, "
            f"ingest x{r['ingest_us'] / dbs[0]['ingest_us']:.2f}"
        )

    # last: in this process (a child forked after it would count its memory in its own peak)
    if args.bandings_at:
        print(f"raw candidates per answer over {args.bandings_at:,} synthetic answers (1 in 5 a near copy):")
        for name, r in banding_candidates(args.bandings_at).items():
            print(
                f"  {name:>5}: {r['candidates_per_entry']:6.2f} candidates/answer, "
                f"copies that are candidates {r['copy_candidate_recall']:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
