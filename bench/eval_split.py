"""The fixed split of eval-external into a *tune* half and a *test* half.

Every rule of the extractor up to v7 came from reading eval-external's pages, so the whole set is a
tuning set and its score flatters us. From v8 on, rules are developed by reading only the tune half;
the test half is scored, never read, and its figure is the one that counts.

A page's half is fixed by its id alone: ``<dataset>/<file stem>`` (the truth file's name in its
dataset), hashed with SHA-256; an even first byte is *tune*, an odd one *test*. No seed, no list to
keep: a page added upstream lands in a half by the same rule, and nobody can move a page by hand.

``python -m bench.eval_split [DIR]`` prints the halves' sizes per dataset (the default DIR is
``../shared/eval-external`` beside the repository).
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



def default_dir() -> Path:
    """``shared/eval-external`` beside the repository (or beside the worktrees' folder)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "eval-external").is_dir():
            return base / "shared" / "eval-external"
    return ROOT.parent / "shared" / "eval-external"

HALVES = ("tune", "test")


def page_id(dataset: str, stem: str) -> str:
    """The stable id of one eval-external page: its dataset and its truth file's stem."""
    return f"{dataset}/{stem}"


def half_of(pid: str) -> str:
    """``"tune"`` or ``"test"``: SHA-256 of the page id, even first byte = tune."""
    return "tune" if hashlib.sha256(pid.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def pages(root: Path) -> list[tuple[str, str]]:
    """Every (page id, half) of an eval-external directory laid out as ``<dataset>/truth/<id>.json``."""
    out = []
    for dataset in sorted(p for p in root.iterdir() if (p / "truth").is_dir()):
        for truth in sorted((dataset / "truth").glob("*.json")):
            pid = page_id(dataset.name, truth.stem)
            out.append((pid, half_of(pid)))
    return out


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else default_dir()
    if not root.is_dir():
        print(f"no eval-external directory at {root}")
        raise SystemExit(2)
    counts: Counter[tuple[str, str]] = Counter()
    for pid, half in pages(root):
        counts[(pid.split("/", 1)[0], half)] += 1
    print("| dataset | tune | test |")
    print("| --- | ---: | ---: |")
    for dataset in sorted({d for d, _ in counts}):
        print(f"| {dataset} | {counts[(dataset, 'tune')]} | {counts[(dataset, 'test')]} |")
    print(f"| all | {sum(v for (_, h), v in counts.items() if h == 'tune')} | "
          f"{sum(v for (_, h), v in counts.items() if h == 'test')} |")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
