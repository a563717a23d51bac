"""The house's arrows: crawler -> kb -> leaves (extract, sites), and nothing back.

Every import in every module is read (top-level and inside functions), so a new arrow the wrong way
fails here with the module and line that made it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# package -> the top-level names it must never import
FORBIDDEN = {
    "kb": {"crawler", "scrapy", "twisted", "scrapy_redis"},
    "extract": {"crawler", "kb", "sites", "sample_site", "scrapy", "twisted", "sqlalchemy", "sqlmodel"},
    "sites": {"crawler", "kb", "extract", "sample_site", "scrapy", "twisted", "sqlalchemy", "sqlmodel"},
    "sample_site": {"crawler", "kb", "extract", "sites", "scrapy"},
}
# The one door from kb to the crawler: `kb crawl` launches it (lazily, inside the command).
ALLOWED = {("kb/cli/crawl_cmd.py", "crawler")}


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, top-level module) for every import statement in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside its own package
                found.append((node.lineno, path.relative_to(root).parts[0]))
            elif node.module:
                found.append((node.lineno, node.module.split(".")[0]))
    return found


def wrong_arrows(root: Path = ROOT) -> list[str]:
    wrong = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if "/site/" in rel:
                continue
            for line, module in imports(path, root):
                if module in forbidden and (rel, module) not in ALLOWED:
                    wrong.append(f"{rel}:{line} imports {module}")
    return wrong


def test_no_arrow_runs_backwards() -> None:
    assert wrong_arrows() == []


def test_the_walk_sees_lazy_imports(tmp_path: Path) -> None:
    """The checker itself: an import hidden inside a function is an arrow; the CLI's crawl door is not."""
    (tmp_path / "kb" / "cli").mkdir(parents=True)
    (tmp_path / "kb" / "probe.py").write_text("def f():\n    from crawler import settings\n", encoding="utf-8")
    (tmp_path / "kb" / "cli" / "crawl_cmd.py").write_text("def f():\n    import crawler.launch\n", encoding="utf-8")
    (tmp_path / "extract").mkdir()
    (tmp_path / "extract" / "x.py").write_text("import sqlmodel\nfrom . import y\n", encoding="utf-8")
    assert wrong_arrows(tmp_path) == ["kb/probe.py:2 imports crawler", "extract/x.py:1 imports sqlmodel"]


MAX_LINES = 400
# Modules that are data tables, not code: allowed to be longer.
DATA_TABLES: set[str] = set()


def test_no_module_does_several_jobs_in_one_file() -> None:
    """A module over ~400 lines is a module doing several jobs: split it by job (data tables excepted)."""
    too_long = []
    for package in ("crawler", "kb", "extract", "sites", "sample_site"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/site/" in rel or "/migrations/versions/" in rel or rel in DATA_TABLES:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long.append(f"{rel} ({lines} lines)")
    assert too_long == []
