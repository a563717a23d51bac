"""App state of any shape: find the question and the answer by what they are, not by key names.

A client-rendered page ships its content as JSON: ``__NEXT_DATA__``, ``window.__INITIAL_STATE__ =
{…}``, ``__NUXT__`` (plain or Nuxt 3's flat ``devalue`` array), ``<script type="application/json">``
with any id, ``JSON.parse("…")``, JSON-LD. Every site names its keys its own way, so nothing here
reads a key name. The question is the string that says what the page's title says (else the longest
question-like string); the answer is the value beside it (same object first, then its parent's)
that holds the most text: an HTML string (rendered through :func:`extract.blocks.from_html`, the
DOM's own renderer), plain text, an array of blocks (``[{type, text}, …]``, joined) or a JSON
document inside a string (decoded). Disclaimer and tip strings beside the answer are reported too.

Parsing is lazy: :mod:`extract.meta` keeps the raw scripts that pass a cheap pre-filter, and nothing
is decoded until a caller asks (:func:`extract.meta.PageMeta.app_state`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from extract.blocks import Block, from_html
from extract.notices import is_disclaimer, is_tip
from extract.text import compact, squash

MAX_NODES = 50_000  # values visited per page: bounded work on a huge state
_ASSIGN = re.compile(
    r"(?:\b(?:window|self|globalThis)\s*(?:\.\s*[\w$]+|\[\s*[\"'][\w$]+[\"']\s*\])|\bvar\s+__[\w$]+)\s*=\s*"
)
_PARSE_CALL = re.compile(r"JSON\.parse\(\s*")
_HTML = re.compile(r"<(p|div|br|ul|ol|li|h[1-6]|table|section|span|strong|b|img)\b[^<>]*>", re.I)  # [^<>]: linear on "<p<p<p…"
_ASKING = re.compile(r"[?？]|吗|怎么|如何|什么|多少|哪|是否|能否|可以.{0,6}吗|为何|为什么")
_DEVALUE_TAGS = {"Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef", "EmptyShallowRef"}


def parse_script(kind: str, text: str) -> list[Any]:
    """The JSON documents one ``<script>`` carries: its whole body (JSON types) or its assignments."""
    text = text.strip()
    if not text:
        return []
    if "json" in kind:
        data = _loads(text)
        return [_revive(data)] if data is not None else []
    out: list[Any] = []
    for m in list(_ASSIGN.finditer(text))[:8]:
        data = _value_at(text, m.end())
        if isinstance(data, dict | list):
            out.append(_revive(data))
    return out


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _value_at(text: str, pos: int) -> Any:
    """The JSON value that starts at ``pos`` (an object, an array, or ``JSON.parse("…")``)."""
    decoder = json.JSONDecoder()
    m = _PARSE_CALL.match(text, pos)
    try:
        if m:
            inner, _end = decoder.raw_decode(text, m.end())  # the JSON string literal
            return _loads(inner) if isinstance(inner, str) else None
        if text[pos : pos + 1] in ("{", "["):
            return decoder.raw_decode(text, pos)[0]
    except (ValueError, RecursionError):
        return None
    return None


def _revive(data: Any) -> Any:
    """Nuxt 3's ``devalue`` payload (a flat array whose objects point at other entries by index)
    back into a tree; any other document comes back as it is."""
    if not (isinstance(data, list) and len(data) > 2 and isinstance(data[0], list) and data[0]
            and data[0][0] in _DEVALUE_TAGS):  # fmt: skip
        return data
    memo: dict[int, Any] = {}
    budget = [MAX_NODES]

    def at(i: Any, depth: int) -> Any:
        if not isinstance(i, int) or not 0 <= i < len(data) or depth > 40 or budget[0] <= 0:
            return None
        if i in memo:
            return memo[i]
        budget[0] -= 1
        v = data[i]
        if isinstance(v, dict):
            out: Any = {}
            memo[i] = out
            for k, x in v.items():
                out[k] = at(x, depth + 1)
        elif isinstance(v, list):
            if v and isinstance(v[0], str) and v[0] in _DEVALUE_TAGS:
                out = at(v[1], depth + 1) if len(v) > 1 else None
            else:
                out = [at(x, depth + 1) for x in v]
            memo[i] = out
        else:
            out = v
        return out

    return at(0, 0)


# ---- what is in it --------------------------------------------------------------------------------------


@dataclass
class Found:
    """The app state's question and answer (as blocks) and the notices beside them."""

    question: str = ""
    blocks: list[Block] = field(default_factory=list)
    disclaimer: str | None = None
    tip: str | None = None


def _decoded(value: Any) -> Any:
    """A string whose content is itself JSON ('{"content": …}') is that JSON."""
    if isinstance(value, str) and len(value) > 1 and value[0] in "{[" and value[-1] in "}]":
        data = _loads(value)
        if isinstance(data, dict | list):
            return data
    return value


def _html_blocks(text: str) -> list[Block]:
    if _HTML.search(text):
        try:
            frag = lxml.html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError, etree.XMLSyntaxError):
            frag = None
        if frag is not None:
            blocks = from_html(frag)
            if blocks:
                return blocks
    paras = [squash(p) for p in text.replace("\r", "").split("\n")]
    return [{"type": "paragraph", "text": p} for p in paras if p]


def _size(blocks: list[Block]) -> int:
    total = 0
    for b in blocks:
        if b["type"] == "list":
            total += sum(len(compact(i)) for i in b["items"])
        elif b["type"] == "table":
            total += sum(len(compact(c)) for r in b["rows"] for c in r)
        else:
            total += len(compact(b.get("text", "")))
    return total


def value_blocks(value: Any, depth: int = 0) -> list[Block]:
    """The text a value holds, as blocks: a string (HTML or plain), a wrapper object, an array of
    blocks or of strings. Within an object, the value with the most text wins."""
    value = _decoded(value)
    if depth > 4:
        return []
    if isinstance(value, str):
        return _html_blocks(value) if len(value) >= 2 else []
    if isinstance(value, list):
        items = value[:500]
        if items and all(isinstance(x, str) for x in items):
            return [b for x in items for b in _html_blocks(x)]
        if items and sum(isinstance(x, dict) for x in items) >= 0.8 * len(items) and not _cards(items):
            return _block_array(items, depth)
        return []
    if isinstance(value, dict):
        best: list[Block] = []
        for v in list(value.values())[:100]:
            blocks = value_blocks(v, depth + 1)
            if _size(blocks) > _size(best):
                best = blocks
        return best
    return []


_LINKISH = re.compile(r"^(https?:)?//|^/[\w\-./]*$")


def _cards(items: list[Any]) -> bool:
    """Most items carry a link: a list of other pages (related, recommended), not the answer."""
    linked = sum(1 for x in items if isinstance(x, dict) and any(
        isinstance(v, str) and _LINKISH.match(v) for v in x.values()))  # fmt: skip
    return len(items) >= 2 and linked >= 0.5 * len(items)


def _block_array(items: list[dict[str, Any]], depth: int) -> list[Block]:
    """``[{type, text}, {type, items: [...]}, …]``: each item's words, in order (a list item's as a list)."""
    out: list[Block] = []
    for item in items:
        strings = [v for v in item.values() if isinstance(v, list) and v and all(isinstance(x, str) for x in v)]
        if strings and _size([{"type": "list", "items": strings[0]}]) >= 4:
            out.append({"type": "list", "ordered": False, "items": [squash(x) for x in strings[0] if squash(x)]})
            continue
        blocks = value_blocks(item, depth + 1)
        # A type tag ("paragraph", "p", "text") is the shortest string of the item: the longest wins.
        out.extend(blocks)
    return out


def _strings(data: Any, path: tuple, out: list[tuple[str, tuple]], budget: list[int], depth: int = 0) -> None:
    """Every string leaf with the chain of containers above it (nearest last)."""
    if budget[0] <= 0 or depth > 30:
        return
    budget[0] -= 1
    data = _decoded(data)
    if isinstance(data, str):
        out.append((data, path))
    elif isinstance(data, dict):
        for v in list(data.values())[:500]:
            _strings(v, path + (data,), out, budget, depth + 1)
    elif isinstance(data, list):
        for v in data[:1000]:
            _strings(v, path + (data,), out, budget, depth + 1)


def _says_title(text: str, title: str) -> bool:
    c = compact(text)
    return len(c) >= 4 and bool(title) and (c == title or (len(c) >= 0.6 * len(title) and c in title)
                                            or (title in c and len(c) <= 1.5 * len(title)))  # fmt: skip


def find(states: list[Any], title: str) -> Found | None:
    """The question (the string that says the title, else the longest question-like one) and the
    answer beside it in any of ``states``."""
    key = compact(title)
    leaves: list[tuple[str, tuple]] = []
    budget = [MAX_NODES]
    for state in states:
        _strings(state, (), leaves, budget)
    if not leaves:
        return None
    hits = [(s, p) for s, p in leaves if p and _says_title(s, key)] if key else []
    if not hits:
        asking = [(s, p) for s, p in leaves if p and 6 <= len(compact(s)) <= 100 and _ASKING.search(s)
                  and not _HTML.search(s)]  # fmt: skip
        hits = sorted(asking, key=lambda sp: -len(compact(sp[0])))[:5]
    best: Found | None = None
    for question, path in hits[:20]:
        found = _beside(question, path)
        if found and (best is None or _size(found.blocks) > _size(best.blocks)):
            best = found
    return best


def _beside(question: str, path: tuple) -> Found | None:
    """The answer next to the question: the richest value of its object, else of the objects above."""
    qkey = compact(question)
    for holder in reversed(path[-3:]):
        values = list(holder.values()) if isinstance(holder, dict) else list(holder)
        found = Found(question=squash(question))
        best: list[Block] = []
        for v in values[:200]:
            if isinstance(v, str) and compact(v) == qkey:
                continue
            if isinstance(v, str) and len(v) <= 600 and not _HTML.search(v):
                if is_tip(v):
                    found.tip = found.tip or squash(v)
                    continue
                if is_disclaimer(v):
                    found.disclaimer = found.disclaimer or squash(v)
                    continue
            blocks = value_blocks(v, 1)
            if _size(blocks) > _size(best):
                best = blocks
        if _size(best) >= max(20, len(qkey) + 1):
            found.blocks = best
            return found
    return None
