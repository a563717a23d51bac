"""The two cleaning stages ``extract.core`` runs, and the small passes that are only theirs.

Stage one (:func:`clean_structure`) takes out the page's furniture: what precedes the title,
structural tags (nav, aside, footer, forms …), noise-headed sections, card and comment runs,
tables of contents. Dates are read between the stages. Stage two (:func:`clean_lines`) drops
boilerplate lines (breadcrumbs, print / close, share bars, bylines, footers) as whole blocks.
"""

from __future__ import annotations

import re

from lxml import etree

from extract.blocks import is_block
from extract.noise.cards import find_card_runs, find_comment_runs, remove_card_runs
from extract.noise.lines import is_byline, is_noise_heading, is_noise_line
from extract.noise.report import NoiseReport
from extract.noise.sections import remove_heading_sections
from extract.noise.tree import HEADING_TAGS, contains, drop, is_el, line_of, own_texts
from extract.notices import in_footer, is_disclaimer, is_tip
from extract.text import compact, element_text, page_link

_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "form", "button", "select", "textarea", "input",
    "nav", "aside", "footer", "svg", "canvas", "object", "embed", "audio", "video", "map", "dialog", "link",
    "meta",
)  # fmt: skip


def _drop_before(root, anchor) -> None:
    """Remove what precedes the page's title heading (logo, nav, breadcrumb, banners).

    Everything before the question's h1 in document order is page furniture: the answer comes after
    the question. The h1's ancestors stay; their earlier children go.
    """
    body = root.find("body")
    if anchor is None or body is None:
        return
    path = [anchor]
    while path[-1] is not body:
        parent = path[-1].getparent()
        if parent is None:
            return
        path.append(parent)
    for child_on_path, ancestor in zip(path, path[1:], strict=False):
        ancestor.text = None
        for sib in list(child_on_path.itersiblings(preceding=True)):
            ancestor.remove(sib)


_MAYBE_HIDDEN = etree.XPath(".//*[@hidden or @aria-hidden or contains(@style, 'none') or contains(@style, 'hidden')]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _remove_hidden(root, protected: list) -> None:
    """Blocks a browser does not show (display:none, visibility:hidden, ``hidden``, aria-hidden):
    templates, machine metadata, screen-reader copies. A long hidden text is a collapsed "read more"
    of the article itself, and stays."""
    for el in _MAYBE_HIDDEN(root):
        if el.getparent() is None or el.tag in ("html", "body"):
            continue
        if not (el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true"
                or _HIDDEN_STYLE.search(el.get("style") or "")):  # fmt: skip
            continue
        if contains(el, protected) or len(element_text(el, 220)) > 200:
            continue
        drop(el)


def _remove_link_lists(root, base: str, self_url: str, protected: list, report: NoiseReport) -> None:
    """Lists (>= 3 items) whose text is mostly links to other pages: a thread tree, a "see also" list,
    a menu. An answer's list has words of its own between the links."""
    for lst in list(root.iter("ul", "ol")):
        if lst.getparent() is None or contains(lst, protected) or any(a.tag in ("ul", "ol") for a in lst.iterancestors()):
            continue
        items = list(lst.iter("li"))
        text = len(compact(element_text(lst, 5000)))
        if len(items) < 3 or not text:
            continue
        linked = sum(len(compact(element_text(a, 300))) for a in lst.iter("a") if page_link(a.get("href"), base))
        titled = sum(1 for li in items if any(
            page_link(a.get("href"), base) and len(compact(element_text(a, 60))) >= 6 for a in li.iter("a")))  # fmt: skip
        # Mostly links, or every item headed by a title link (a thread tree: title, author, date, counts).
        if linked >= 0.6 * text or (titled >= 0.8 * len(items) and linked >= 0.4 * text):
            report.cards += len(items)
            report.add_links(lst, base, self_url)
            drop(lst)


def _remove_tocs(root, protected: list) -> None:
    """Tables of contents: lists whose every item is a link to an anchor on the same page."""
    for lst in list(root.iter("ul", "ol")):
        if lst.getparent() is None or contains(lst, protected):
            continue
        items = [li for li in lst if is_el(li) and li.tag == "li"]
        if len(items) < 3:
            continue
        anchored = 0
        for li in items:
            links = list(li.iter("a"))
            href = (links[0].get("href") or "").strip() if links else ""
            if href.startswith("#") and len(element_text(li, 80)) <= len(element_text(links[0], 80)) + 4:
                anchored += 1
        if anchored == len(items):
            drop(lst)


def clean_structure(root, base: str, self_url: str, protected: list) -> NoiseReport:
    """First stage: furniture before the title, boilerplate tags, noise-headed sections, card runs.

    Dates are read between this stage and :func:`clean_lines` (which drops the 发布时间 lines).
    """
    report = NoiseReport()
    _drop_before(root, protected[0] if protected else None)
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is None or contains(el, protected):
            continue
        # Old ASP.NET pages wrap the whole page (comment box included) in one <form>: only small
        # forms are noise; a big one loses its controls, not its text.
        if el.tag == "form" and len(element_text(el, 1200)) > 1000:
            continue
        drop(el)
    for el in list(root.iter("header")):
        if el.getparent() is not None and not contains(el, protected):
            drop(el)
    _remove_hidden(root, protected)
    remove_heading_sections(root, base, self_url, protected, report)
    remove_card_runs(find_card_runs(root, base, self_url, protected), base, self_url, report)
    _remove_tocs(root, protected)
    _remove_link_lists(root, base, self_url, protected, report)
    for run in find_comment_runs(root, protected):
        for el in run:
            drop(el)
            report.comments.append(el)
    return report


_FOOTNOTE_MARK = re.compile(r"^(\[\d+(-\d+)?\])+$")


def _in_prose(el, text: str, weak: bool) -> bool:
    """An inline element inside a line of prose (40+ characters that are no noise line themselves)."""
    if _FOOTNOTE_MARK.match(compact(text)):
        return False  # a reference mark ("[3]", "[2-4]") is no part of the sentence's words
    line = line_of(el)
    return len(compact(line)) >= max(40, 4 * len(compact(text))) and not is_noise_line(line, weak)


def clean_lines(root, protected: list) -> list[str]:
    """Second stage: breadcrumbs, print/close, share bars, app banners, footers, meta lines, bylines.

    Each goes as the smallest whole block that holds it. Returns the datelines among them (in page
    order): an unlabelled "2024-03-05 · 已解决" under the title is the page's own date.
    """
    victims = []
    datelines: list[str] = []
    for el in root.iter():
        if not is_el(el) or el.tag in ("html", "body", "head", "title") or el.tag in HEADING_TAGS:
            continue
        own = "".join(own_texts(el))
        if not own.strip():
            continue
        text = element_text(el, 420)
        weak = el.tag not in ("td", "th", "li", "tr", "dd", "dt")
        if len(text) > 400 or not is_noise_line(text, weak) or is_noise_heading(text):
            continue
        if not is_block(el) and _in_prose(el, text, weak):
            continue  # a fragment of a sentence ("5" in 1月至<span>5</span>月), not a line of its own
        if (is_disclaimer(text) or is_tip(text)) and not in_footer(el):
            continue  # reported as flags by the caller, not silently dropped (a footer's go with it)
        if contains(el, protected):
            continue
        victims.append(el)
        if is_byline(text):
            datelines.append(text)
    for el in victims:
        if el.getparent() is not None:
            # Climb to the enclosing block while it holds nothing else.
            node = el
            for _ in range(3):
                parent = node.getparent()
                if parent is None or parent.tag in ("body", "html") or contains(parent, protected):
                    break
                if len(element_text(parent, 420)) > len(element_text(node, 420)) + 10:
                    break
                node = parent
            drop(node)
    return datelines
