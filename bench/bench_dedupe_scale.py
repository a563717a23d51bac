"""Near-duplicate scale: synthetic entries (mutations of the seeds' answers) indexed and clustered.

``python -m bench dedupe_scale`` (or ``python -m bench.bench_dedupe_scale [--sizes 25000 50000 100000]``).

Each size runs in a fresh process (peak RSS is per process). An entry is either a new answer (4-8
sentences drawn from the seed answers and cards, ~3% of characters mutated) or, one time in five, a
copy of an earlier entry with one sentence reworded or added: the planted copies are the ground
truth. Clustering is what ingest does, with ``kb.dedupe``'s own index and parameters: MinHash of the
3-shingles, LSH query, signature prefilter, exact Jaccard confirm, numbers rule; a copy joins its
entry's cluster and is not indexed, a new answer becomes an indexed representative.

Reported per size: clustering CPU time (process time: the machine's 2 cores are shared, so wall
time is also printed but not compared), CPU time per entry, index rebuild time from the stored signatures
(what a new process pays: ``Entry.minhash`` -> LSH), peak RSS and the index's growth over the
baseline RSS measured in the same process before indexing, and copy recall / false merges.
Linearity is the ratio of each size's time and memory to the smallest size's, per entry.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from typing import Any

from kb import dedupe
from kb.normalize import normalized
from sample_site.seeds import answer_text, load_seeds

SENTENCE = re.compile(r"[^。!?;\n]+[。!?;]?")


def _pool() -> tuple[list[str], str]:
    texts = []
    for s in load_seeds():
        texts.append(answer_text(s["blocks"]))
        texts += [c["snippet"] for c in s["cards"]]
    sentences = sorted(
        {m.group(0) for t in texts for m in SENTENCE.finditer(t) if 8 <= len(m.group(0)) <= 120}
    )
    alphabet = "".join(sorted({ch for t in texts for ch in t if "\u4e00" <= ch <= "\u9fff"}))
    return sentences, alphabet


def synthesize(n: int, seed: int = 7) -> tuple[list[tuple[str, str]], list[int | None]]:
    """``n`` (question, answer) entries and, for each, the index of the entry it copies (or None)."""
    rng = random.Random(seed)
    sentences, alphabet = _pool()
    entries: list[tuple[str, str]] = []
    copy_of: list[int | None] = []
    originals: list[int] = []
    for i in range(n):
        if originals and rng.random() < 0.2:
            j = rng.choice(originals)
            q, a = entries[j]
            parts = [m.group(0) for m in SENTENCE.finditer(a)]
            if rng.random() < 0.5 and len(parts) > 1:
                k = rng.randrange(len(parts))
                s = parts[k]
                half = len(s) // 2
                parts[k] = s[:half] + rng.choice(sentences)[: len(s) - half]
            else:
                parts.append(rng.choice(sentences))
            entries.append((q, "".join(parts)))
            copy_of.append(j)
            continue
        chosen = rng.sample(sentences, rng.randint(4, 8))
        text = list("".join(chosen))
        for _ in range(len(text) // 33):
            text[rng.randrange(len(text))] = rng.choice(alphabet)
        answer = "".join(text)
        entries.append((f"问题{i}:" + chosen[0][:12], answer))
        copy_of.append(None)
        originals.append(i)
    return entries, copy_of


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cluster(n: int) -> dict[str, Any]:
    """One size, in this process."""
    entries, copy_of = synthesize(n)
    base_rss = _rss_mb()
    index = dedupe.Index()
    rep_of: list[int] = []  # cluster representative of each entry
    candidates = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for i, (question, answer) in enumerate(entries):
        sig = dedupe.signature(normalized(question, answer))
        found = index.candidates(sig.minhash, sig.question_key)
        candidates += len(found)
        match = dedupe.judge(sig, found, lambda k: (*entries[int(k)], k))
        if match is None or match.kind == "conflict":
            index.put(str(i), str(i), sig.minhash, sig.question_key)
            rep_of.append(i)
        else:
            rep_of.append(rep_of[int(match.entry_id)])
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_rss = _rss_mb()
    # a new process rebuilds the index from the stored signatures (Entry.minhash bytes)
    stored = {
        k: dedupe.to_bytes(dedupe.from_bytes(v.astype("<u4").tobytes())) for k, v in index.signatures.items()
    }
    c1 = time.process_time()
    rebuilt = dedupe.Index()
    for key, data in stored.items():
        rebuilt.put(key, key, dedupe.from_bytes(data))
    rebuild = time.process_time() - c1
    planted = sum(c is not None for c in copy_of)
    found = sum(1 for i, c in enumerate(copy_of) if c is not None and rep_of[i] == rep_of[c])
    false_merges = sum(1 for i, c in enumerate(copy_of) if c is None and rep_of[i] != i)
    return {
        "n": n,
        "wall_seconds": elapsed,
        "seconds": cpu,
        "us_per_entry": cpu / n * 1e6,
        "rebuild_seconds": rebuild,
        "representatives": len(index),
        "base_rss_mb": base_rss,
        "peak_rss_mb": peak_rss,
        "index_mb": peak_rss - base_rss,
        "confirms_per_entry": candidates / n,
        "copy_recall": found / planted if planted else 1.0,
        "false_merges": false_merges,
        "planted": planted,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_dedupe_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: run one size, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(cluster(args.one)))
        return
    print(
        f"kb.dedupe: shingle {dedupe.SHINGLE}, {dedupe.NUM_PERM} perms, LSH {dedupe.BANDS}x{dedupe.ROWS}, "
        f"threshold {dedupe.THRESHOLD}"
    )
    results = []
    for n in args.sizes:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.bench_dedupe_scale", "--one", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(
            f"{r['n']:>7} entries: cluster {r['seconds']:.1f} CPU s ({r['us_per_entry']:.0f} us/entry; wall "
            f"{r['wall_seconds']:.1f} s), rebuild {r['rebuild_seconds']:.1f} CPU s, {r['representatives']} clusters, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB (index +{r['index_mb']:.0f} MB over {r['base_rss_mb']:.0f}), "
            f"{r['confirms_per_entry']:.2f} exact confirms/entry, copy recall {r['copy_recall']:.4f}, "
            f"false merges {r['false_merges']}",
            flush=True,
        )
    first = results[0]
    print("\nper-entry cost relative to the smallest size (1.00 = linear):")
    for r in results:
        scale = r["n"] / first["n"]
        print(
            f"{r['n']:>7}: time x{r['seconds'] / first['seconds']:.2f} for x{scale:.0f} entries "
            f"({r['seconds'] / first['seconds'] / scale:.2f}), index memory x{r['index_mb'] / first['index_mb']:.2f} "
            f"({r['index_mb'] / first['index_mb'] / scale:.2f})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
