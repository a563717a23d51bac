"""Streaming export keeps memory flat: its heap peak does not grow with the KB, a list+dumps one does."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable

from bench.bench_export_memory import make_kb
from kb.clock import generated_at
from kb.db import session
from kb.export import export_entries, iter_entries


def peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_heap_is_flat_and_far_below_the_baseline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    peaks = {}
    for n in (600, 3000):
        url = f"sqlite:///{tmp_path / f'kb-{n}.sqlite'}"
        make_kb(url, n)
        with session(url) as s:
            out = tmp_path / f"export-{n}.json"
            stream = peak(lambda s=s, out=out: export_entries(s, out))
            doc = json.loads(out.read_text(encoding="utf-8"))
            assert len(doc["entries"]) == n
            baseline = peak(
                lambda s=s: io.StringIO().write(
                    json.dumps({"generated_at": generated_at(s), "entries": list(iter_entries(s))})
                )
            )
        peaks[n] = (stream, baseline)
    (small, small_base), (big, big_base) = peaks[600], peaks[3000]
    assert big_base > 3 * small_base  # the baseline grows with the KB...
    assert big < 1.5 * small + 256 * 1024  # ...the streaming export does not
    assert big * 5 < big_base
