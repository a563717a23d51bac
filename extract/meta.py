"""What a page says about itself: question, canonical URL, dates, JSON-LD and embedded app state.

Read from the head and from structured data before any cleaning, so a related card can never lend
the page its title or its date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from extract.text import compact, element_text, page_link, squash

# Patterns over page text start a repeated run only where the run starts ((?<!\s)\s+, not \s+ at every
# space of a run): the same matches, in linear time on a hostile run (tests/security/test_regex_budget.py).
_TITLE_SEP = re.compile(r"(?<!\s)\s+[-–—|｜_]\s+|[_｜|]|\s[-–—]\s?|-{2,}|—+|–")
_Q_PREFIX = re.compile(r"^\s*(问题?|提问|Q|【问】|\[问\]|问答)\s*[:：.、]\s*|^\s*【问】\s*|^\s*问\s+", re.I)


@dataclass
class PageMeta:
    title: str = ""
    og_title: str = ""
    h1: str = ""
    h1_el: Any = None
    canonical: str | None = None
    lang: str | None = None
    published: str | None = None
    updated: str | None = None
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    state_scripts: list[tuple[str, str]] = field(default_factory=list)  # (type, text), parsed lazily
    is_qa_schema: bool = False
    _app_state: list[Any] | None = None

    @property
    def app_state(self) -> list[Any]:
        """The JSON documents of the page's app-state scripts, decoded on first use."""
        if self._app_state is None:
            from extract.appstate import parse_script

            self._app_state = [d for kind, text in self.state_scripts for d in parse_script(kind, text)]
        return self._app_state


def strip_question(text: str) -> str:
    """Drop 问: / Q: prefixes and surrounding space; keep a trailing question mark as written."""
    text = squash(text)
    for _ in range(2):
        text = _Q_PREFIX.sub("", text, count=1).strip()
    return text


def title_core(title: str, site_names: list[str] | None = None) -> str:
    """``<title>`` less its site suffix: the longest-leading segment before a separator."""
    title = squash(title)
    if not title:
        return ""
    parts = [p.strip() for p in _TITLE_SEP.split(title) if p and p.strip()]
    if not parts:
        return title
    first = parts[0]
    # "问题-站名": a bare hyphen before a short, number-free site name.
    head, sep, tail = first.rpartition("-")
    if sep and len(compact(head)) >= 4 and 2 <= len(tail.strip()) <= 12 and not re.search(r"\d", tail):
        first = head.strip()
    # "站名 - 问题" is rarer but happens: prefer the segment that is not a known site name.
    if site_names and first in site_names and len(parts) > 1:
        return parts[1]
    return first


# ---- dates -------------------------------------------------------------------------------------

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})")
_VISIBLE_PUBLISHED = re.compile(
    r"(发布时间|发布日期|发表时间|发表日期|发表于|发布于|成文日期|印发日期|(?<!更新)发布(?=\s*[:：])|发表(?=\s*[:：])|(?<!更新)(?<!修改)(?<!编辑)(?<!更改)时间|"
    r"(?<!更新)(?<!修改)(?<!编辑)(?<!更改)日期|提问时间|提问于)\s*[:：]?\s*"
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
_VISIBLE_UPDATED = re.compile(
    r"(更新时间|更新日期|更新于|修改时间|修改日期|最后更新|最近更新|编辑于)\s*[:：]?\s*"
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)

_META_PUBLISHED = (
    "article:published_time", "og:published_time", "og:release_date", "pubdate", "publishdate",
    "publish_date", "publishtime", "publish-date", "date", "dc.date", "dc.date.issued", "dc.date.created",
    "dcterms.created", "dcterms.issued", "sailthru.date", "datepublished", "created", "firstpublishedtime",
    "article:published", "weibo:article:create_at", "releasedate", "citation_publication_date",
)  # fmt: skip
_META_UPDATED = (
    "article:modified_time", "og:updated_time", "og:modified_time", "lastmod", "last-modified",
    "dc.date.modified", "dcterms.modified", "datemodified", "modified", "updated", "revised",
    "lastmodifiedtime", "weibo:article:update_at",
)  # fmt: skip


def to_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` of a date-ish string, or None when it is no plausible date."""
    if not isinstance(value, str | int):
        return None
    text = str(value).strip()
    m = _DATE.search(text) or _DATE_COMPACT.match(text)
    if not m:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    if d.year < 1995 or d.year > 2100:
        return None
    return d.isoformat()


def visible_dates(text: str) -> tuple[str | None, str | None]:
    """发布时间 / 更新时间 lines in the page's visible (already cleaned) text."""
    pub = upd = None
    m = _VISIBLE_PUBLISHED.search(text)
    if m:
        pub = to_date(m.group(2))
    m = _VISIBLE_UPDATED.search(text)
    if m:
        upd = to_date(m.group(2))
    return pub, upd


# ---- structured data -----------------------------------------------------------------------------


def _json_loads(text: str) -> Any:
    text = text.strip().rstrip(";").strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None


def _walk_ld(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data[:50]:
            _walk_ld(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _walk_ld(data["@graph"], out, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    return set()


# Scripts that may carry app state: a JSON type, or an assignment to window / self / a __var.
_STATE_HINT = re.compile(r"(window|self|globalThis)\s*(\.|\[)|var\s+__")


def read_meta(root, url: str) -> PageMeta:
    """Everything from head tags and structured data. ``root`` is the parsed, uncleaned page."""
    meta = PageMeta()
    meta.lang = root.get("lang") or root.get("xml:lang") or None
    metas: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (
            el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
        ).lower()
        content = el.get("content")
        if key and content and key not in metas:
            metas[key] = content
    title_el = next(root.iter("title"), None)
    meta.title = element_text(title_el, 500) if title_el is not None else ""
    meta.og_title = squash(
        metas.get("og:title") or metas.get("twitter:title") or metas.get("articletitle") or ""
    )
    for el in root.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        if "canonical" in rel and el.get("href"):
            meta.canonical = page_link(el.get("href"), url)
            break
    for key in _META_PUBLISHED:
        if key in metas and (d := to_date(metas[key])):
            meta.published = d
            break
    for key in _META_UPDATED:
        if key in metas and (d := to_date(metas[key])):
            meta.updated = d
            break
    for el in root.iter("time"):
        if meta.published:
            break
        if (el.get("itemprop") or "").lower() == "datepublished" or el.get("pubdate") is not None:
            meta.published = to_date(el.get("datetime") or element_text(el, 60))
    for script in root.iter("script"):
        kind = (script.get("type") or "").lower()
        text = script.text or ""
        if "ld+json" in kind:
            data = _json_loads(text)
            _walk_ld(data, meta.jsonld)
        elif len(text) > 2_000_000 or len(text) < 20:
            continue
        elif "json" in kind or script.get("id") == "__NEXT_DATA__":
            meta.state_scripts.append(("json", text))
        elif (not kind or "javascript" in kind) and _STATE_HINT.search(text) and "{" in text:
            meta.state_scripts.append(("js", text))
    for obj in meta.jsonld:
        types = _types(obj)
        if types & {"QAPage", "FAQPage", "Question"}:
            meta.is_qa_schema = True
        candidates = [obj]
        if isinstance(obj.get("mainEntity"), dict):
            candidates.append(obj["mainEntity"])
        for cand in candidates:
            if not meta.published:
                meta.published = to_date(cand.get("datePublished") or cand.get("dateCreated"))
            if not meta.updated:
                meta.updated = to_date(cand.get("dateModified"))
    return meta


def site_names(meta: PageMeta) -> set[str]:
    """The <title> segments after the first: the site's and the section's names, never the question."""
    parts = [compact(p) for p in _TITLE_SEP.split(meta.title or "") if p and p.strip()]
    return set(parts[1:])


def _is_logo(el) -> bool:
    """An h1 that only links home: the site's logo."""
    links = list(el.iter("a"))
    return len(links) == 1 and (links[0].get("href") or "").strip() in (
        "/",
        "./",
        "index.html",
        "/index.html",
    )


def pick_h1(root, meta: PageMeta):
    """The h1 that is the page's title: the one that agrees with <title>/og:title; never the logo."""
    heads = []
    for el in root.iter("h1"):
        text = element_text(el, 300)
        if text and len(text) <= 200 and not _is_logo(el):
            heads.append((el, text))
        if len(heads) >= 10:
            break
    names = site_names(meta)
    heads = [(el, text) for el, text in heads if compact(text) not in names]
    if not heads:
        return None, ""
    core = compact(title_core(meta.title))
    refs = [compact(meta.og_title), compact(meta.title)]

    def agrees(text: str) -> bool:
        c = compact(strip_question(text))
        return bool(c) and (c == core or any(r and (c == r or (len(c) >= 4 and r.startswith(c))) for r in refs))

    for el, text in heads:
        if agrees(text):
            return el, text
    # The h1 sharing the longest run with the title ("Отзывы" is in "… 10 кг. Отзывы", but the
    # article's h1 shares more).
    best, best_len = None, 0
    for el, text in heads:
        c = compact(strip_question(text))
        shared = max((_shared_run(c, r) for r in refs if r), default=0)
        if shared >= 4 and (shared == len(c) or shared >= 0.3 * len(c)) and shared > best_len:
            best, best_len = (el, text), shared
    if best is not None:
        return best
    # No h1 looks like the title: they may be cards' ("headline" lists); an h2/h3 showing it wins.
    for n, el in enumerate(root.iter("h2", "h3")):
        if n >= 60:
            break
        text = element_text(el, 300)
        if len(compact(text)) >= 8 and agrees(text) and not _is_logo(el):
            return el, text
    return heads[0]


def _shared_run(a: str, b: str) -> int:
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def find_title_element(root, question: str):
    """The element that shows the question when there is no h1 (an h2, a <b>, a table cell)."""
    key = compact(question)
    if len(key) < 4:
        return None
    body = root.find("body")
    if body is None:
        return None
    best = None
    for el in body.iter():
        if el is body or not isinstance(el.tag, str) or el.tag in ("a", "title", "script", "style", "option"):
            continue
        own = (el.text or "") + "".join(c.tail or "" for c in el)
        if not own.strip() and not len(el):
            continue
        text = compact(element_text(el, len(key) + 40))
        if text == key or (text.endswith(key) and len(text) <= len(key) + 3):
            best = el  # keep the innermost? no: first in document order, climbed below
            break
    if best is None:
        return None
    # Climb while the parent still shows only the question.
    while best.getparent() is not None and best.getparent().tag != "body":
        parent = best.getparent()
        if compact(element_text(parent, len(key) + 40)) != compact(element_text(best, len(key) + 40)):
            break
        best = parent
    return best


def pick_question(meta: PageMeta) -> str:
    og = meta.og_title
    if og and og == meta.title:
        og = title_core(og)  # og:title that is the whole <title>, site suffix and all
    for cand in (meta.h1, og, title_core(meta.title)):
        q = strip_question(cand)
        if q:
            return q
    for obj in meta.jsonld:
        if "Question" in _types(obj) and isinstance(obj.get("name"), str):
            return strip_question(obj["name"])
    return ""


def clean_question(q: str) -> str:
    """No space before the closing question marks (string ops: a regex took seconds on a run of spaces)."""
    bare = q.rstrip("?？")
    return bare.rstrip() + q[len(bare) :] if bare != q else q
