"""``python -m bench [NAME ...] [--OPTION ...]``: run every benchmark module (or the named ones) in turn.

Everything from the first ``-`` argument on goes to each module's ``main`` (``python -m bench
extract_speed --external DIR``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    cut = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:cut], argv[cut:]
    modules = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    chosen = [m for m in modules if not names or m in names or m.removeprefix("bench_") in names]
    for name in chosen:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main(options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
