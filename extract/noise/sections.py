"""Sections under a noise heading (相关推荐, 大家都在搜, 网友评论 …): found by the heading, removed whole.

A heading that opens its container takes the container with it, as long as what else the container
holds reads like a section (short, link-dense, or cards); a heading mid-container takes the siblings
it heads. Their links are kept as ``related``.
"""

from __future__ import annotations

from extract.noise.lines import heading_key, is_noise_heading
from extract.noise.report import NoiseReport
from extract.noise.tree import HEADING_TAGS, contains, drop, first_text_child, is_el, own_texts
from extract.text import compact, element_text, page_link


def _heading_element(el, key: str):
    """Climb from the element holding the heading text to the outermost one with only that text."""
    node = el
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        if sum(1 for _ in parent.iter()) > 12:
            break
        if heading_key(element_text(parent, 80)) != key:
            break
        node = parent
    return node


def _section_like(nodes: list, base: str) -> bool:
    """Nodes that read like a recommendation / comment section: short, link-dense, or cards.

    Real content (an article body beside the 相关链接 box of an old table layout) is long text with
    few links: a section heading never swallows it.
    """
    text = sum(len(compact(element_text(n, 6000))) for n in nodes)
    if text <= 150:
        return True
    links = 0
    linked = 0
    for n in nodes:
        for a in n.iter("a"):
            if page_link(a.get("href"), base):
                links += 1
                linked += len(compact(element_text(a, 300)))
    if linked >= 0.3 * text:
        return True
    if links < 3 or (text - linked) / links > 300:
        return False
    return all(_cards_like(n, base) for n in nodes if len(compact(element_text(n, 200))) > 150)


def _article_from(sib, base: str) -> bool:
    """From ``sib`` on, a run of link-free prose (a paragraph of 80+ characters, 300+ in all): an article
    that shares its container with a sidebar heading above it, not that heading's items."""
    if any(page_link(a.get("href"), base) for a in sib.iter("a")) or len(compact(element_text(sib, 100))) < 80:
        return False
    total = 0
    for node in [sib, *sib.itersiblings()]:
        if not is_el(node):
            continue
        if any(page_link(a.get("href"), base) for a in node.iter("a")):
            return False  # cards interleave title links with their snippets: no run of prose
        total += len(compact(element_text(node, 500)))
        if total >= 300:
            return True
    return False


def _cards_like(node, base: str) -> bool:
    """Most text-bearing children each hold a link: a list of cards, not an article with a few links."""
    for _ in range(6):
        kids = [c for c in node if is_el(c)]
        if len(kids) != 1:
            break
        node = kids[0]
    kids = [c for c in node if is_el(c) and element_text(c, 20)]
    if len(kids) < 3:
        return False
    with_link = sum(1 for c in kids if any(page_link(a.get("href"), base) for a in c.iter("a")))
    return with_link >= 0.6 * len(kids)


def remove_heading_sections(root, base: str, self_url: str, protected: list, report: NoiseReport) -> None:
    """Drop every section a noise heading opens; its links go to ``report.related``."""
    headings = []
    for el in root.iter():
        if not is_el(el) or el.tag in ("html", "body", "head", "title", "a"):
            continue
        for chunk in own_texts(el):
            if len(chunk) <= 40 and is_noise_heading(chunk):
                key = heading_key(chunk)
                if heading_key(element_text(el, 80)) == key:
                    headings.append(_heading_element(el, key))
                break
    done: set[int] = set()
    for head in headings:
        if id(head) in done or head.getparent() is None or contains(head, protected):
            continue
        # Climb while the heading opens its container: the container is the section.
        node = head
        for _ in range(6):
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html") or contains(parent, protected):
                break
            if not first_text_child(parent, node):
                break
            if not _section_like([c for c in parent if is_el(c) and c is not node], base):
                break  # the container holds real content besides this section: stop here
            node = parent
        if node is not head:
            before = len(report.related)
            report.add_links(node, base, self_url)
            report.section_links += len(report.related) - before
            done.add(id(node))
            drop(node)
            continue
        # The heading sits mid-container: drop it and the siblings it heads.
        victims = [head]
        for sib in head.itersiblings():
            if not is_el(sib):
                continue
            if contains(sib, protected):
                break
            if sib.tag in HEADING_TAGS and not is_noise_heading(element_text(sib, 60)):
                break
            if not _section_like([sib], base) or _article_from(sib, base):
                break
            victims.append(sib)
        if len(victims) == 1:
            continue  # heads no cards: left in place, so the answer's cut still happens at it
        before = len(report.related)
        for v in victims:
            report.add_links(v, base, self_url)
            done.add(id(v))
            drop(v)
        report.section_links += len(report.related) - before
