"""Runs of same-shape sibling cards that each link to another page, and runs of comments.

A run is found by shape (same tag, same class or the same child tags) and by what each member is
(a title-like link to another page; a time stamp plus 回复 / 赞 / 楼), never by a site's class
names. The cards' links are kept as ``related``.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from extract.noise.report import NoiseReport
from extract.noise.tree import HEADING_TAGS, contains, drop, is_el, outermost
from extract.noise.words import COMMENT_REPLY, COMMENT_TIME, USER_PATH
from extract.text import compact, element_text, page_link


def _signature(el) -> tuple:
    return (el.tag, tuple(c.tag for c in el if is_el(c))[:8])


_CARD_MAX = 800  # a card is a title and a snippet: an article body is never one


def _card_link(el, base: str, self_url: str, memo: dict | None = None) -> bool:
    """A card links to another page with a title-like text (not a username or a menu word)."""
    if memo is not None:
        if el not in memo:  # keyed by the element itself: the dict keeps its proxy (and identity) alive
            memo[el] = _card_link(el, base, self_url)
        return memo[el]
    if el.tag != "a" and next(el.iter("a"), None) is None:
        return False  # the cheap tests first: most elements hold no link, big ones stop early below
    if len(element_text(el, _CARD_MAX + 50)) > _CARD_MAX:
        return False
    links = [el] if el.tag == "a" else list(islice(el.iter("a"), 6))
    whole = compact(element_text(el, _CARD_MAX + 50)) if el.tag != "a" else ""
    for a in links:
        url = page_link(a.get("href"), base)
        if not url or url == self_url or USER_PATH.search(url):
            continue
        title = compact(element_text(a, 200) or a.get("title") or "")
        if len(title) >= 6 and (not whole or _heads(whole, title)):
            return True
    return False


def _heads(whole: str, title: str) -> bool:
    """The link heads the card (a label or a date before it at most) or is a fair share of its text.
    A link inside a sentence of prose (an article's paragraph citing a source) heads nothing."""
    at = whole.find(title)
    return 0 <= at <= 20 or len(title) >= 0.2 * len(whole)


def _same_shape(a, b) -> bool:
    """Siblings of one kind: same tag and the same class attribute or the same child tags."""
    if a.tag != b.tag:
        return False
    sa, sb = _signature(a), _signature(b)
    if sa == sb:
        return True
    ca, cb = (a.get("class") or "").strip(), (b.get("class") or "").strip()
    if not ca or ca != cb:
        return False
    # Same class, a child more or less (an image, a date): still one kind of card.
    ta, tb = set(sa[1]), set(sb[1])
    return bool(ta | tb) and len(ta & tb) >= 0.6 * len(ta | tb) and abs(len(sa[1]) - len(sb[1])) <= 2


def _is_filler(el) -> bool:
    """A divider or empty spacer between cards (hr, br, an empty div): it does not break a run."""
    return el.tag in ("hr", "br") or (not element_text(el, 5) and next(el.iter("img"), None) is None)


def _alternating_run(kids: list, base: str, self_url: str, protected: list, memo: dict) -> list:
    """Cards split over two siblings, title then snippet (<dt><a>…</a></dt><dd>…</dd>), >= 3 pairs."""
    start = next((i for i, k in enumerate(kids) if _card_link(k, base, self_url, memo)), None)
    if start is None or len(kids) - start < 6:
        return []
    a, b = kids[start], kids[start + 1]
    if _card_link(b, base, self_url, memo) or a.tag in HEADING_TAGS:
        return []
    out: list = []
    for i in range(start, len(kids) - 1, 2):
        title, body = kids[i], kids[i + 1]
        if not (_same_shape(title, a) and _same_shape(body, b) and _card_link(title, base, self_url, memo)):
            break
        if _card_link(body, base, self_url, memo) or contains(title, protected) or contains(body, protected):
            break
        out += [title, body]
    return out if len(out) >= 6 else []


def find_card_runs(root, base: str, self_url: str, protected: list) -> list[list]:
    """Runs (>=3) of consecutive same-shape siblings that each link to another page."""
    runs: list[list] = []
    memo: dict = {}
    for parent in root.iter():
        if not is_el(parent) or parent.tag in ("tr", "head"):
            continue
        kids = [c for c in parent if is_el(c)]
        if len(kids) < 3:
            continue
        run: list = []
        for kid in kids + [None]:
            if kid is not None and run and _is_filler(kid):
                continue
            if kid is not None and kid.tag not in HEADING_TAGS and not contains(kid, protected):
                if _card_link(kid, base, self_url, memo):
                    if run and _same_shape(run[-1], kid):
                        run.append(kid)
                        continue
                    if len(run) >= 3:
                        runs.append(run)
                    run = [kid]
                    continue
            if len(run) >= 3:
                runs.append(run)
            run = []
        if not any(r[0].getparent() is parent for r in runs):
            pairs = _alternating_run(kids, base, self_url, protected, memo)
            if pairs:
                runs.append(pairs)
    return outermost(runs)


_REPLY_HINT = re.compile(r"回复|赞|举报|楼|#|沙发|板凳|网友|游客|匿名")  # a superset of COMMENT_REPLY, per text node
_TEXTS = etree.XPath(".//text()")


def _holding(root, pattern: re.Pattern) -> set:
    """The elements that hold (at any depth) a text node matching ``pattern``."""
    marked: set = set()
    for text in _TEXTS(root):
        if not pattern.search(text):
            continue
        el = text.getparent()
        if text.is_tail and el is not None:
            el = el.getparent()
        while el is not None and el not in marked:
            marked.add(el)
            el = el.getparent()
    return marked


def find_comment_runs(root, protected: list) -> list[list]:
    """Runs (>=2) of same-shape siblings that read like comments: a time stamp plus 回复 / 赞 / 楼."""
    runs: list[list] = []
    marked = _holding(root, _REPLY_HINT)  # only elements with a reply word somewhere inside can be comments
    for parent in root.iter():
        if not is_el(parent) or parent.tag in ("table", "tbody", "thead", "tr", "head", "html"):
            continue
        if parent not in marked:
            continue
        kids = [c for c in parent if is_el(c) and not _is_filler(c)]
        if len(kids) < 2:
            continue
        run: list = []
        for kid in kids + [None]:
            ok = False
            if kid is not None and kid in marked and not contains(kid, protected) and kid.tag not in HEADING_TAGS:
                text = element_text(kid, 600)
                ok = len(text) <= 600 and bool(COMMENT_TIME.search(text)) and bool(COMMENT_REPLY.search(text))
            if ok and (not run or _same_shape(run[-1], kid)):
                run.append(kid)
                continue
            if len(run) >= 2:
                # The thread's own post heads its replies: it is the page's text, not a comment.
                runs.append(run[1:] if _opening_post(run[0]) else run)
            run = [kid] if ok else []
    return outermost(runs)


_OP_MARK = etree.XPath("boolean(.//text()[normalize-space(.) = '楼主' or normalize-space(.) = '1楼'])")


def _opening_post(el) -> bool:
    """The first post of a thread, marked as the original poster's floor (a "楼主" / "1楼" label of its own)."""
    return bool(_OP_MARK(el))


def remove_card_runs(runs: list[list], base: str, self_url: str, report: NoiseReport) -> None:
    """Drop the cards (their links go to ``report.related``), and a container they leave bare."""
    for run in runs:
        report.cards += len(run)
        parent = run[0].getparent()
        table = _table_of(parent)
        if table is not None and _share(run, table) >= 0.6:
            run = [table]  # a table that is mostly card rows is a link table: its other rows go with them
            parent = table.getparent()
        for el in run:
            report.add_links(el, base, self_url)
            drop(el)
        # A container left with nothing but a heading or decoration goes too, and so on up (a layout
        # table's cell, then its row, then the table holding the section's "更多" header).
        for _ in range(4):
            if parent is None or parent.tag in ("body", "html") or len(compact(element_text(parent, 60))) >= 30:
                break
            above = parent.getparent()
            drop(parent)
            parent = above


def _table_of(parent):
    """The table whose rows ``parent`` holds (itself or its tbody's table), else None."""
    if parent is None or parent.tag not in ("table", "tbody", "thead"):
        return None
    return parent if parent.tag == "table" else parent.getparent()


def _share(run: list, container) -> float:
    """The run's share of the container's text."""
    whole = len(compact(element_text(container, 5000)))
    return sum(len(compact(element_text(el, 1000))) for el in run) / whole if whole else 1.0
