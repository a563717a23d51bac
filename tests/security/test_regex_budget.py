"""Attack: a page built to make a regular expression backtrack without bound (ReDoS), stalling the crawl.

Every regex of crawler/, extract/, sites/ and kb/ is found (compiled module constants, and literal
patterns passed to ``re.search``/``re.sub``/... found in the source) and fed adversarial text made from
the pattern itself: long runs of each character it repeats, and each start of a match repeated with no
end, 100 KB each. Each pattern gets a generous budget; a pattern that backtracks quadratically takes
minutes there. Then the whole extractor and the discover spider's link parsing get adversarial pages.
"""

from __future__ import annotations

import ast
import importlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

try:  # Python >= 3.11
    from re import _constants as C  # noqa: N812
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]  # noqa: N812
    import sre_parse  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crawler", "extract", "sites", "kb")
SIZE = 100_000  # characters of adversarial text per input
BUDGET = 1.0  # s for one input (a linear pattern takes a few ms on 100 KB)
# A quadratic pattern takes ~1/100 of its 100 KB time on 10 KB: one slow there is failed before the
# 100 KB run (which could take minutes).
PROBE, PROBE_BUDGET = 10_000, 0.05

# Modules whose patterns read what the operator wrote, never what a site sent (profile TOML, user names).
NOT_PAGE_TEXT = {"sites.profiles.schema", "kb.accounts"}


def modules() -> list[str]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if name not in NOT_PAGE_TEXT and re.search(r"^(import re|from re import)", path.read_text(), re.M):
                out.append(name)
    return out


def patterns() -> Iterator[tuple[str, re.Pattern]]:
    """(name, pattern) for each module constant that is a compiled pattern, and each literal inline pattern."""
    for name in modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{name}.{attr}", value
        tree = ast.parse(Path(module.__file__ or "").read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in {"search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, (str, bytes))
            ):
                flags = re.I if any(isinstance(a, ast.Attribute) and a.attr in ("I", "IGNORECASE") for a in node.args) else 0
                yield f"{name}:{node.lineno}", re.compile(node.args[0].value, flags)


# --- adversarial text from a pattern's own parse tree ---------------------------------------------------

CATEGORY_CHAR = {
    C.CATEGORY_DIGIT: "7",
    C.CATEGORY_NOT_DIGIT: "x",
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_SPACE: "x",
    C.CATEGORY_WORD: "w",
    C.CATEGORY_NOT_WORD: "-",
}


def class_chars(items: list) -> list[str]:
    """Characters an ``[...]`` class matches (a few of each range); a negated class: some it does not forbid."""
    out: list[str] = []
    for op, av in items:
        if op is C.NEGATE:
            out += ["x", " ", "中", "7", "<"]
        elif op is C.LITERAL:
            out.append(chr(av))
        elif op is C.RANGE:
            out += [chr(av[0]), chr((av[0] + av[1]) // 2), chr(av[1])]
        elif op is C.CATEGORY:
            out.append(CATEGORY_CHAR.get(av, "x"))
    return out


def sample(tree: sre_parse.SubPattern | list) -> str:
    """One string the pattern matches (or nearly: lookarounds and anchors are ignored)."""
    out = []
    for op, av in tree:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL or op is C.ANY:
            out.append("x" if av != ord("x") else "y")
        elif op is C.IN:
            chars = [c for c in class_chars(av)]
            out.append(chars[0] if chars else "x")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, item = av
            out.append(sample(item) * max(low, min(high, 2)))
        elif op is C.SUBPATTERN:
            out.append(sample(av[-1]))
        elif op is C.ATOMIC_GROUP:
            out.append(sample(av))
        elif op is C.BRANCH:
            out.append(sample(av[1][0]))
    return "".join(out)


def repeated_chars(tree: sre_parse.SubPattern | list, inside: bool = False) -> set[str]:
    """The characters the pattern repeats (under ``*``, ``+``, ``{m,n}``): the runs that make it backtrack."""
    out: set[str] = set()
    for op, av in tree:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            out |= repeated_chars(av[2], inside or av[1] > 1)
        elif op is C.SUBPATTERN:
            out |= repeated_chars(av[-1], inside)
        elif op is C.ATOMIC_GROUP:
            out |= repeated_chars(av, inside)
        elif op is C.BRANCH:
            for branch in av[1]:
                out |= repeated_chars(branch, inside)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            out |= repeated_chars(av[1], inside)
        elif inside and op is C.LITERAL:
            out.add(chr(av))
        elif inside and op is C.IN:
            out |= set(class_chars(av))
        elif inside and op in (C.ANY, C.NOT_LITERAL):
            out |= {"x", " "}
    return out


def adversarial(pattern: re.Pattern, size: int) -> Iterator[str]:
    tree = sre_parse.parse(pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1"))
    whole = sample(tree)
    for char in sorted(repeated_chars(tree)):
        yield char * size  # a run of what the pattern repeats, with no terminator
        for k in range(1, min(len(whole), 6) + 1):
            yield (whole[:k] + char * 64) * (size // (k + 64))  # a match started, then the run, again and again
    for k in range(1, min(len(whole), 12) + 1):
        yield whole[:k] * (size // k)  # every start of a match, never finished (``<a <a <a ...``)
    if whole:
        yield (whole[:-1] + " ") * (size // len(whole))  # all of a match but its last character


def scan(pattern: re.Pattern, text: str) -> None:
    data: str | bytes = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
    for _ in pattern.finditer(data):  # every start position, the way search/sub/findall walk the text
        pass
    pattern.match(data)


ALL = sorted(patterns(), key=lambda p: p[0])


def test_the_audit_sees_the_patterns_that_read_pages() -> None:
    names = {name for name, _ in ALL}
    assert len(ALL) > 60
    assert {"extract.meta._VISIBLE_PUBLISHED", "kb.normalize._COUNTER", "extract.noise.words.PAGER"} <= names
    assert not any(name.startswith("crawler.spiders.discover._ANCHOR") for name in names)  # a parser now


@pytest.mark.parametrize("name,pattern", ALL, ids=[name for name, _ in ALL])
def test_no_pattern_backtracks_without_bound_on_hostile_text(name: str, pattern: re.Pattern) -> None:
    """ReDoS: 100 KB runs of each character the pattern repeats, and of each unfinished start of a match."""
    for size, budget in ((PROBE, PROBE_BUDGET), (SIZE, BUDGET)):
        for text in adversarial(pattern, size):
            started = time.perf_counter()
            scan(pattern, text)
            spent = time.perf_counter() - started
            assert spent < budget, f"{name} took {spent:.2f} s on {len(text)} chars like {text[:40]!r}"


# --- whole pages -------------------------------------------------------------------------------------

HOSTILE_PAGES = {
    "unclosed anchors": b"<html><body>" + b"<a " * 40_000,
    "unclosed href quotes": b"<html><body>" + b'<a href="x' * 20_000,
    "unclosed tags": b"<" * 120_000,
    "deep nesting": b"<div>" * 30_000 + "医保报销比例是多少".encode() + b"</div>" * 30_000,
    "digits without a unit": b"<p>" + b"1234567890" * 12_000 + b"</p>",
    "dates without an end": b"<p>" + "发布时间：2024年1月".encode() * 8_000 + b"</p>",
    "years": b"<p>" + "2024年度2023年起".encode() * 10_000 + b"</p>",
    "spaces and colons": b"<p>" + b" :" * 60_000 + b"</p>",
    "one long line of CJK": b"<p>" + "以当地医保局公布为准参考".encode() * 10_000 + b"</p>",
    "script state": b"<script>window.__INITIAL_STATE__=" + b"{" * 100_000 + b"</script>",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_PAGES))
def test_the_extractor_and_link_parsing_finish_on_hostile_pages(kind: str) -> None:
    """ReDoS and parser blowups through whole pages: extract_page and the discover link parser, budgeted."""
    from crawler.spiders.discover import stored_links
    from extract import extract_page

    body = HOSTILE_PAGES[kind]
    started = time.perf_counter()
    stored_links(body, "http://127.0.0.1:1/q.html")  # uncapped: what a 304 revisit reads
    links = time.perf_counter() - started
    assert links < 1.0, f"link parsing took {links:.1f} s on {kind}"
    started = time.perf_counter()
    extract_page(body, "http://127.0.0.1:1/q.html", "text/html; charset=utf-8")
    spent = time.perf_counter() - started
    assert spent < 10.0, f"extraction took {spent:.1f} s on {kind}"
