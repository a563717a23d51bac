"""lxml tree helpers the noise passes share: what is an element, what holds what, how to drop one."""

from __future__ import annotations

from extract.blocks import is_block
from extract.text import element_text, squash

HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def is_el(el) -> bool:
    """An element, not a comment or processing instruction."""
    return isinstance(el.tag, str)


def drop(el) -> None:
    """Remove ``el`` and its subtree, keeping its tail text in the tree."""
    parent = el.getparent()
    if parent is None:
        return
    try:
        el.drop_tree()
    except (AttributeError, ValueError):
        parent.remove(el)


def own_texts(el) -> list[str]:
    """Text chunks that belong to ``el`` itself: its text and its children's tails."""
    out = [el.text or ""]
    out += [child.tail or "" for child in el]
    return [t for t in out if t.strip()]


def has_ancestor_in(el, ids: set[int]) -> bool:
    """True when an ancestor of ``el`` is one of the elements whose ``id()`` is in ``ids``."""
    p = el.getparent()
    while p is not None:
        if id(p) in ids:
            return True
        p = p.getparent()
    return False


def contains(el, targets: list) -> bool:
    """True when ``el`` is one of ``targets`` or holds one of them (the protected title, say)."""
    return any(t is el or has_ancestor_in(t, {id(el)}) for t in targets)


def first_text_child(parent, child) -> bool:
    """True when nothing with text comes before ``child`` inside ``parent``."""
    if (parent.text or "").strip():
        return False
    for sib in parent:
        if sib is child:
            return True
        if not is_el(sib):
            continue
        if element_text(sib, 5) or (sib.tail or "").strip():
            return False
    return True


def outermost(runs: list[list]) -> list[list]:
    """The runs that sit inside no other run's member (a card may itself hold a run of links)."""
    members = {id(el) for run in runs for el in run}
    return [run for run in runs if not has_ancestor_in(run[0], members)]


def _breaks_line(el) -> bool:
    return is_el(el) and (el.tag == "br" or is_block(el))


def line_of(el, limit: int = 420) -> str:
    """The text of the line an inline element sits in: the run of inline siblings (up to a block or a
    ``<br>``) around its outermost inline ancestor. For a block, its own text. A "5" in
    ``月至<span>5</span>月`` is a fragment of a sentence, not a line of its own."""
    node = el
    while not is_block(node):
        parent = node.getparent()
        if parent is None:
            break
        if not is_block(parent):
            node = parent
            continue
        kids = list(parent)
        at = kids.index(node)
        start, end = at, at
        while start > 0 and not _breaks_line(kids[start - 1]):
            start -= 1
        while end + 1 < len(kids) and not _breaks_line(kids[end + 1]):
            end += 1
        text = (parent.text or "") if start == 0 else (kids[start - 1].tail or "")
        for kid in kids[start : end + 1]:
            text += (element_text(kid, limit) if is_el(kid) else "") + (kid.tail or "")
            if len(text) > limit:
                break
        return squash(text)
    return element_text(node, limit)
