"""Answers of client-rendered pages: schema.org QAPage / FAQPage JSON-LD and embedded app state.

Used only when the DOM holds no answer (a page rendered in the browser ships an empty shell plus
its data). App state has no schema: we look for an object with a question-like key and an
answer-like key, and take the longest answer.
"""

from __future__ import annotations

from typing import Any

import lxml.html
from lxml import etree

from extract.blocks import Block, from_html
from extract.meta import PageMeta, _types
from extract.text import compact, squash

_Q_KEYS = ("question", "questionTitle", "question_title", "title", "name", "subject", "headline", "q")
_A_KEYS = (
    "acceptedAnswer", "answer", "answerText", "answer_text", "answerContent", "answer_content",
    "bestAnswer", "best_answer", "content", "body", "text", "articleBody", "detail", "html", "a",
)  # fmt: skip


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("text", "content", "body", "html", "answer"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, list) and value:
        return _text_of(value[0])
    return None


def _blocks_of(text: str) -> list[Block]:
    if "<" in text and ">" in text:
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


def _jsonld_pairs(meta: PageMeta) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for obj in meta.jsonld:
        types = _types(obj)
        entities: list[Any] = []
        if "QAPage" in types or "FAQPage" in types:
            main = obj.get("mainEntity")
            entities = main if isinstance(main, list) else [main]
        elif "Question" in types:
            entities = [obj]
        for ent in entities:
            if not isinstance(ent, dict):
                continue
            q = ent.get("name") or ent.get("text") or ""
            a = _text_of(ent.get("acceptedAnswer")) or _text_of(ent.get("suggestedAnswer"))
            if isinstance(q, str) and a:
                pairs.append((q, a))
    return pairs


def _state_pairs(data: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    if depth > 12 or len(out) > 50:
        return
    if isinstance(data, dict):
        q = next((data[k] for k in _Q_KEYS if isinstance(data.get(k), str)), None)
        a = None
        for k in _A_KEYS:
            if k in data and k not in ("title", "name"):
                a = _text_of(data[k])
                if a:
                    break
        if q and a and len(compact(a)) > len(compact(q)):
            out.append((q, a))
        for value in data.values():
            if isinstance(value, dict | list):
                _state_pairs(value, out, depth + 1)
    elif isinstance(data, list):
        for item in data[:200]:
            _state_pairs(item, out, depth + 1)


def _pairs(meta: PageMeta) -> list[tuple[str, str]]:
    pairs = _jsonld_pairs(meta)
    for state in meta.app_state:
        _state_pairs(state, pairs)
    return pairs


def _best(pairs: list[tuple[str, str]], question: str) -> tuple[str, str] | None:
    if not pairs:
        return None
    qkey = compact(question)
    same = [p for p in pairs if qkey and compact(p[0]) == qkey]
    pool = same or pairs
    # A truncated teaser ("…") loses to the full text of the same question.
    return max(pool, key=lambda p: (not p[1].rstrip().endswith(("…", "...")), len(p[1])))


def answer_blocks(meta: PageMeta, question: str) -> list[Block]:
    best = _best(_pairs(meta), question)
    return _blocks_of(best[1]) if best else []


def question(meta: PageMeta) -> str | None:
    best = _best(_pairs(meta), "")
    return best[0] if best else None


_DATE_KEYS = (
    "datePublished", "dateCreated", "publishTime", "publish_time", "publishedAt", "published_at", "pubDate",
    "pub_date", "createTime", "create_time", "createdAt", "created_at", "ctime", "date",
)  # fmt: skip


def _find_date(data: Any, depth: int = 0) -> str | None:
    from extract.meta import to_date

    if depth > 10:
        return None
    if isinstance(data, dict):
        for key in _DATE_KEYS:
            if key in data and (d := to_date(data[key])):
                return d
        for value in data.values():
            if isinstance(value, dict | list) and (d := _find_date(value, depth + 1)):
                return d
    elif isinstance(data, list):
        for item in data[:20]:
            if isinstance(item, dict | list) and (d := _find_date(item, depth + 1)):
                return d
    return None


def published(meta: PageMeta) -> str | None:
    """The first publication date in the app state (JSON-LD dates are read with the meta tags)."""
    for state in meta.app_state:
        if d := _find_date(state):
            return d
    return None


def _links(data: Any, base: str, out: list[dict[str, str]], depth: int = 0) -> None:
    from extract.text import page_link

    if depth > 10 or len(out) > 100:
        return
    if isinstance(data, list):
        for item in data[:200]:
            _links(item, base, out, depth + 1)
    elif isinstance(data, dict):
        title = data.get("title") or data.get("name")
        href = data.get("url") or data.get("href") or data.get("link")
        if isinstance(title, str) and isinstance(href, str) and len(compact(title)) >= 4:
            url = page_link(href, base)
            if url:
                out.append({"title": squash(title)[:200], "url": url})
        for value in data.values():
            if isinstance(value, dict | list):
                _links(value, base, out, depth + 1)


def related(meta: PageMeta, base: str) -> list[dict[str, str]]:
    """Links to other pages listed in the app state (recommendation lists): discovery links."""
    out: list[dict[str, str]] = []
    for state in meta.app_state:
        _links(state, base, out)
    seen: set[str] = set()
    return [r for r in out if not (r["url"] in seen or seen.add(r["url"]))]
