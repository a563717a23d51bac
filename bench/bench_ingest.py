"""Ingest time: the sample site's pages (both editions) into a fresh SQLite KB, no HTTP, no extraction.

Every HTML page of both editions is extracted once, before timing, into the Snapshots a crawl would
hand the pipeline. Each round then ingests edition 1 (every answer new, copies merged) and edition 2
(changed, added and removed answers) into a fresh KB, one transaction per page as the pipeline does.
Reported: the median round's ingest time per page (wall, and this process's CPU time, which the
other work on a shared machine disturbs less), and how many texts (a question or an answer, the
page's or a candidate copy's) ``kb.normalize`` normalized per page ingested. The point of the
figures is a before/after on the same machine (BENCHMARKS.md, "Ingest").

    python -m bench.bench_ingest [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ORIGINS = {"portal": "http://127.0.0.1:8001", "city": "http://127.0.0.2:8002"}
T0 = datetime(2026, 1, 5, 2, 0, 0)


def snapshots() -> dict[int, list[Any]]:
    """{edition: [Snapshot]} for every HTML page of the sample site, extracted once."""
    import sample_site
    from extract import extract_page
    from kb.snapshot import Snapshot
    from sample_site.server import SITE_DIR, load_editions
    from sites import profiles
    from sites.urls import page_url

    sample_site.use_profiles()
    out: dict[int, list[Any]] = {}
    for edition, sites in load_editions(SITE_DIR, ORIGINS).items():
        at = T0 + timedelta(days=edition - 1)
        snaps = []
        for site, pages in sorted(sites.items()):
            for path, page in sorted(pages.items()):
                if not page.content_type.startswith("text/html"):
                    continue
                fetched = ORIGINS[site] + path
                extracted = extract_page(page.body, fetched, page.content_type)
                url = page_url(fetched, extracted.canonical_url)
                profile = profiles.for_url(url)
                snaps.append(
                    Snapshot(
                        url=url,
                        status=200,
                        fetched_at=at,
                        site=profile.name,
                        priority=profile.priority,
                        gone_after=profile.gone_after,
                        etag=page.etag,
                        last_modified=page.last_modified,
                        content_type=page.content_type,
                        body=page.body,
                        page=extracted,
                    )
                )
        out[edition] = snaps
    return out


class _Counter:
    """Counts the texts ``kb.normalize`` normalizes: each normalization runs its stamp pattern once."""

    def __init__(self) -> None:
        import kb.normalize

        self.calls = 0
        self.module = kb.normalize
        self.original = kb.normalize._STAMP

    def __enter__(self) -> _Counter:
        counter, pattern = self, self.original

        class Counted:
            def sub(self, *args: Any, **kwargs: Any) -> str:
                counter.calls += 1
                return pattern.sub(*args, **kwargs)

        self.module._STAMP = Counted()  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.module._STAMP = self.original


def one_round(editions: dict[int, list[Any]], workdir: Path, count: bool = False) -> dict[str, float]:
    from kb.db import session
    from kb.ingest import ingest

    db = f"sqlite:///{workdir / f'kb-{time.monotonic_ns()}.sqlite'}"
    with session(db) as s:
        s.commit()  # create the schema outside the timing
    outcomes: dict[str, int] = {}
    counter = _Counter() if count else None
    elapsed = cpu = 0.0
    n = 0
    for edition in sorted(editions):
        for snap in editions[edition]:
            t0, c0 = time.perf_counter(), time.process_time()
            if counter is not None:
                counter.__enter__()
            with session(db) as s:
                result = ingest(s, snap, None, now=snap.fetched_at)
                s.commit()
            if counter is not None:
                counter.__exit__()
            elapsed += time.perf_counter() - t0
            cpu += time.process_time() - c0
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            n += 1
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "pages": n,
        "normalize": counter.calls if counter else 0,
        **outcomes,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ingest")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    editions = snapshots()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        counted = one_round(editions, workdir, count=True)  # also warms imports and caches
        rounds = [one_round(editions, workdir) for _ in range(args.rounds)]
    seconds = statistics.median(r["seconds"] for r in rounds)
    cpu = statistics.median(r["cpu"] for r in rounds)
    pages = counted["pages"]
    outcomes = {k: v for k, v in counted.items() if k not in ("seconds", "cpu", "pages", "normalize")}
    print(f"{pages} snapshots (editions {sorted(editions)}): {outcomes}")
    print(
        f"ingest: median {seconds:.3f} s over {args.rounds} rounds "
        f"({min(r['seconds'] for r in rounds):.3f}-{max(r['seconds'] for r in rounds):.3f}), "
        f"{seconds / pages * 1000:.2f} ms per page; CPU {cpu:.3f} s, {cpu / pages * 1000:.2f} ms per page"
    )
    print(f"texts normalized: {counted['normalize']} ({counted['normalize'] / pages:.1f} per page)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
