"""What a site profile may say: every key's type, regexes that compile, problems with file and line.

A profile is written by hand and read at night: a typo must be named where it is (``file:line: what``)
when the profile is loaded, not found as a traceback, or as a silently ignored rule, in the crawl.
``tomllib`` keeps no positions for values, so the line of a key (or of one element of a list) is
found in the text; a TOML syntax error carries its own line.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one profile file."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class ProfileError(ValueError):
    """A site profile that cannot be used (broken or unknown): one line for the operator."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    @classmethod
    def broken(cls, name: str, problems: tuple[Problem, ...]) -> ProfileError:
        more = f" (and {len(problems) - 1} more: `kb profiles check` lists them)" if len(problems) > 1 else ""
        return cls(f"site profile {name!r} is broken: {problems[0]}{more}", problems)


# ---- value checks -----------------------------------------------------------------------------------

Rule = Callable[[Any], str | None]  # what is wrong with one value ("must be ..."), or None
Found = list[tuple[str, str | None]]  # (message, the offending element's text, to find its line)
Check = Callable[[str, Any], tuple[Any, Found]]  # key, value -> (clean value, problems)

# How a site's pages are fetched: a plain HTTP request, or rendered in headless Chromium (scripts run)
# for sites whose links and answers exist only after their scripts run. ``render_patterns`` renders
# only the pages whose path matches.
RENDER = ("plain", "browser")

_HOST = re.compile(r"^[^\s/:@?#A-Z]+$")


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"must be a non-empty string, not {_type_name(value)} {value!r}"


def _whole(low: int) -> Rule:
    def rule(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {_type_name(value)} {value!r}"
        return f"must be >= {low}, not {value}" if value < low else None

    return rule


def _number(low: float, *, above: bool = False) -> Rule:
    def rule(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, not {_type_name(value)} {value!r}"
        if value < low or (above and value == low):
            return f"must be {'>' if above else '>='} {low}, not {value}"
        return None

    return rule


def _render(value: Any) -> str | None:
    if value in RENDER:
        return None
    return f"must be {' or '.join(repr(r) for r in RENDER)}, not {value!r}"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _priority(value: Any) -> str | None:
    if isinstance(value, str):  # priority = "high": a word where the merge compares numbers
        return f"must be a whole number (higher wins the canonical source), not {value!r}"
    return _whole(-1_000_000)(value)


def _scalar(rule: Rule) -> Check:
    def check(key: str, value: Any) -> tuple[Any, Found]:
        why = rule(value)
        return (value, []) if why is None else (None, [(f"{key} {why}", None)])

    return check


def _strings(element: Callable[[str], str | None]) -> Check:
    """A list of strings, each checked by ``element`` (which says what is wrong, or None)."""

    def check(key: str, value: Any) -> tuple[Any, Found]:
        if not isinstance(value, list):
            return None, [(f"{key} must be a list of strings, not {_type_name(value)} {value!r}", None)]
        found: Found = []
        for item in value:
            if not isinstance(item, str):
                found.append((f"{key}: {item!r} is {_type_name(item)}, not a string", None))
            elif (why := element(item)) is not None:
                found.append((f"{key}: {why}", item))
        return (tuple(value) if not found else None), found

    return check


def _host(item: str) -> str | None:
    if _HOST.match(item):
        return None
    bare = (urlsplit(item if "//" in item else f"//{item}").hostname or "").lower()
    hint = f" (write {bare!r})" if bare and _HOST.match(bare) else ""
    return f"{item!r} is not a lower-case host name without scheme, port or path{hint}"


def _url(item: str) -> str | None:
    parts = urlsplit(item)
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return f"{item!r} is not an http(s) URL"


def _regex(item: str) -> str | None:
    try:
        re.compile(item)
    except re.error as exc:
        return f"{item!r} is not a valid regular expression: {exc}"
    return None


# The Scrapy settings a profile may change for its site: how hard and how long to ask it, never what the
# crawler is (pipelines, robots.txt obedience). A name outside this table is a typo or a wrong idea.
POLITENESS: dict[str, Rule] = {
    "DOWNLOAD_DELAY": _number(0),
    "DOWNLOAD_DELAY_JITTER": _number(0),
    "RANDOMIZE_DOWNLOAD_DELAY": _flag,
    "CONCURRENT_REQUESTS_PER_DOMAIN": _whole(1),
    "AUTOTHROTTLE_ENABLED": _flag,
    "AUTOTHROTTLE_START_DELAY": _number(0),
    "AUTOTHROTTLE_MAX_DELAY": _number(0),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": _number(0, above=True),
    "DOWNLOAD_TIMEOUT": _number(0, above=True),
    "DOWNLOAD_MAXSIZE": _whole(0),
    "DOWNLOAD_WARNSIZE": _whole(0),
    "RETRY_TIMES": _whole(0),
    "RETRY_BACKOFF_BASE": _number(0),
    "RETRY_AFTER_MAX": _number(0),
}


def _politeness(key: str, value: Any) -> tuple[Any, Found]:
    if not isinstance(value, dict):
        return None, [(f"{key} must be a table of Scrapy settings, not {_type_name(value)} {value!r}", None)]
    found: Found = []
    for name, setting in value.items():
        check = POLITENESS.get(name)
        if check is None:
            known = ", ".join(sorted(POLITENESS))
            found.append((f"{key}: unknown setting {name!r} (a profile may set: {known})", f"{key}.{name}"))
        elif (why := check(setting)) is not None:
            found.append((f"{key}.{name} {why}", f"{key}.{name}"))
    return (dict(value) if not found else None), found


# Every key a profile may have (the fields of ``sites.profiles.Profile``) and what its value must be.
SCHEMA: dict[str, Check] = {
    "name": _scalar(_text),
    "hosts": _strings(_host),
    "allowed_domains": _strings(_host),
    "start_urls": _strings(_url),
    "sitemaps": _strings(_url),
    "qa_patterns": _strings(_regex),
    "listing_patterns": _strings(_regex),
    "ignore_patterns": _strings(_regex),
    "priority": _scalar(_priority),
    "stale_days": _scalar(_whole(1)),
    "stale_days_disclaimer": _scalar(_whole(1)),
    "gone_after": _scalar(_whole(1)),
    "off_topic_hops": _scalar(_whole(0)),
    "max_pages": _scalar(_whole(1)),
    "politeness": _politeness,
    "render": _scalar(_render),
    "render_patterns": _strings(_regex),
    "allow_private": _scalar(_flag),
}


# ---- reading a file ---------------------------------------------------------------------------------

_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def read(path: Path) -> tuple[dict[str, Any] | None, tuple[Problem, ...]]:
    """The profile's checked values (keyed as ``Profile``'s fields), or None and every problem found."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, (Problem(path, None, f"cannot read: {exc.strerror or exc}"),)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (Problem(path, raw[: exc.start].count(b"\n") + 1, "not UTF-8 text"),)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, (_syntax_problem(path, text, str(exc)),)
    lines = text.splitlines()
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for key, value in data.items():
        check = SCHEMA.get(key)
        if check is None:
            known = ", ".join(SCHEMA)
            problems.append(Problem(path, _line_of(lines, key), f"unknown key {key!r} (known: {known})"))
            continue
        value, found = check(key, value)
        for message, element in found:
            problems.append(Problem(path, _line_of(lines, key, element), message))
        if not found:
            clean[key] = value
    if clean.get("name", path.stem) != path.stem:
        problems.append(
            Problem(
                path, _line_of(lines, "name"), f"name {clean['name']!r} differs from the file's {path.stem!r}"
            )
        )
    if problems:
        return None, tuple(sorted(problems, key=lambda p: p.line or 0))
    clean["name"] = path.stem
    return clean, ()


def _syntax_problem(path: Path, text: str, message: str) -> Problem:
    at = _AT_LINE.search(message)
    if at:
        return Problem(path, int(at.group(1)), f"TOML syntax: {message[: at.start()]} (column {at.group(2)})")
    if _AT_END.search(message):
        return Problem(
            path,
            max(1, len(text.splitlines())),
            f"TOML syntax: {_AT_END.sub('', message)} (at the end of the file)",
        )
    return Problem(path, None, f"TOML syntax: {message}")


def _line_of(lines: list[str], key: str, element: str | None = None) -> int | None:
    """The 1-based line where top-level ``key`` is set (or a ``[key]`` table opens); with ``element``, the
    line of that list element (its text as written) or that ``key.SETTING`` after it."""
    start = None
    table: str | None = None
    for number, line in enumerate(lines, 1):
        header = _TABLE.match(line)
        if header:
            table = header.group(1).strip("\"' ")
            if table.split(".")[0] == key:
                start = number
                break
            continue
        if table is None and re.match(rf"""^\s*["']?{re.escape(key)}["']?\s*[.=]""", line):
            start = number
            break
    if start is None or element is None:
        return start
    setting = element.split(".", 1)[1] if element.startswith(f"{key}.") else None
    needles = (
        [rf"""(^|[\s{{,.]){re.escape(setting)}\s*="""]
        if setting
        else [re.escape(form) for form in {element, element.replace("\\", "\\\\"), json.dumps(element)[1:-1]}]
    )
    for number in range(start, len(lines) + 1):
        if any(re.search(n, lines[number - 1]) for n in needles):
            return number
    return start
