"""The line classifier: is this short text a noise heading, or a boilerplate line?

Used on DOM blocks while cleaning (:mod:`extract.noise.clean`, :mod:`extract.noise.sections`) and
again on the answer's blocks (``extract.core``), so both see one notion of noise.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.noise.words import (
    ANSWERS_HEADING,
    APP,
    BREADCRUMB,
    BYLINE_KEY,
    BYLINE_WORDS,
    COMMENT_HEADING,
    COUNT,
    COUNTER_WORDS,
    CRUMB_TRAIL,
    DATE_ANY,
    DECOR,
    FOLLOW,
    FOOTER,
    GENERIC_HEADING,
    LABELS,
    LOADING,
    MACHINE_LINE,
    META_LINE,
    PAGER,
    PRINT,
    SHARE,
    SHARE_ONLY,
    STRONG_HEADINGS,
)
from extract.text import compact, han_count, squash


def heading_key(text: str) -> str:
    """A heading's text without decorations or counts, for matching against the noise headings."""
    key = COUNT.sub("", compact(text))
    for _ in range(2):
        key = DECOR.sub("", key)
    return key


@lru_cache(maxsize=16384)  # pure on the text; menus and cards repeat lines
def is_noise_heading(text: str) -> bool:
    key = heading_key(text)
    if not key or len(key) > 14:
        return False
    if ANSWERS_HEADING.match(key):
        return False  # "全部回答 (3)" heads the answers themselves
    for k in (key, re.sub(r"^(点击)?(查看)?更多", "", key)):
        if k in STRONG_HEADINGS or GENERIC_HEADING.match(k) or COMMENT_HEADING.match(k):
            return True
    return False


def is_byline(text: str) -> bool:
    """A dateline or byline: a date plus a few words like 发布于 / 回答于 / 来源 / 已解决 / a name."""
    if not DATE_ANY.search(text):
        return False
    if re.search(r"[。！？；!?;]", text):
        return False
    has_word = bool(BYLINE_KEY.search(text))
    rest = BYLINE_WORDS.sub("", DATE_ANY.sub("", text))
    rest = re.sub(r"\d+", "", rest)
    return len(rest) <= (12 if has_word else 3)


def is_counter(text: str) -> bool:
    """A line of counters: "3 个回答 · 1037 次浏览", "有用(23) 没用", "已有12人参与"."""
    if not re.search(r"\d", text) or len(text) > 60:
        return False
    return not COUNTER_WORDS.sub("", text)


@lru_cache(maxsize=16384)  # pure on the text; menus and cards repeat lines
def is_noise_line(text: str, weak: bool = True) -> bool:
    """A short block that is boilerplate: breadcrumb, print/close, share, app banner, footer, meta line.

    ``weak=False`` leaves out the rules that could hit a table cell or list item of an answer
    (bylines, counters, lone labels, bare headings).
    """
    t = squash(text)
    if not t:
        return False
    if len(t) <= 200 and (BREADCRUMB.match(t) or CRUMB_TRAIL.match(t) or META_LINE.search(t)):
        return True
    if len(t) <= 120 and (PRINT.search(t) or APP.search(t)):
        return True
    if len(t) <= 60 and SHARE.search(t):
        return True
    if len(t) <= 400 and FOOTER.search(t):
        return True
    if len(t) <= 400 and MACHINE_LINE.match(compact(t)) and not han_count(t):
        return True
    if len(t) <= 120 and PAGER.match(t) and (sum(ch.isdigit() for ch in t) >= 2 or "下一页" in t):
        return True
    if len(t) <= 60 and FOLLOW.search(t):
        return True
    if not weak:
        return False
    if compact(t).rstrip(":：") in LABELS or LOADING.match(t) or SHARE_ONLY.match(t):
        return True
    if len(t) <= 80 and (is_byline(t) or is_counter(t)):
        return True
    return is_noise_heading(t)
