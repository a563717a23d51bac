"""The page's layout made plain before trafilatura weighs it: layout tables become divs, so that only
data tables reach the answer as (Markdown) tables, and loose text beside blocks becomes paragraphs.

Old portal pages lay the whole page out in nested tables; a table whose cells hold blocks, other
tables or ``<br>``-broken text, or that has a single column, is layout, not data.
"""

from __future__ import annotations

import re

from extract.blocks import is_block

_BLOCKISH = {
    "p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote",
    "form",
}  # fmt: skip


def _is_layout_table(table) -> bool:
    """A table used for page layout: cells hold blocks or other tables, or there is only one column."""
    rows = [r for r in table.iter("tr")]
    if not rows:
        return True
    for cell in table.iter("td", "th"):
        for el in cell.iter():
            if el is not cell and isinstance(el.tag, str) and el.tag in _BLOCKISH:
                return True
        if sum(1 for _ in cell.iter("br")) >= 2:
            return True
    widths = [sum(1 for c in r if isinstance(c.tag, str) and c.tag in ("td", "th")) for r in rows]
    return max(widths) <= 1


def _nearest_table(el):
    p = el.getparent()
    while p is not None and p.tag != "table":
        p = p.getparent()
    return p


def unwrap_layout_tables(root) -> None:
    """Turn layout tables into plain divs, so only data tables reach the answer as tables."""
    for table in reversed(list(root.iter("table"))):
        if not _is_layout_table(table):
            continue
        for el in list(table.iter("tr", "td", "th", "tbody", "thead", "tfoot", "caption")):
            if _nearest_table(el) is not table:
                continue  # a data table nested in a layout cell keeps its own rows
            el.tag = "div"
            for attr in ("width", "height", "colspan", "rowspan", "align", "valign", "bgcolor"):
                el.attrib.pop(attr, None)
        table.tag = "div"


_URL = re.compile(r"(https?:)?//\S+|www\.\S+")
_NOT_CONTAINERS = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
LOOSE_MIN = 40  # a shorter loose line between blocks is a label, a counter or a site name


def wrap_loose_text(root) -> None:
    """Text that sits loose in a container beside its paragraphs (the rest of a paragraph an inserted
    ad table cut off, a line between two blocks) becomes a paragraph of its own: main-text finders
    weigh paragraphs and pass over bare text, so the article lost its middle."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.tag in _NOT_CONTAINERS:
            continue
        kids = list(el)
        if not any(isinstance(k.tag, str) and is_block(k) for k in kids):
            continue
        run: list = []
        lead = el.text
        lead_owner = None  # None: the run's leading text is el.text; else the block child it trails
        pending = []
        for kid in kids + [None]:
            if kid is None or (isinstance(kid.tag, str) and is_block(kid)):
                pending.append((lead, lead_owner, run))
                if kid is not None:
                    lead, lead_owner, run = kid.tail, kid, []
                continue
            run.append(kid)
        for text, owner, members in pending:
            words = (text or "") + "".join(
                (m.text_content() if isinstance(m.tag, str) else "") + (m.tail or "") for m in members
            )
            if len("".join(_URL.sub("", words).split())) < LOOSE_MIN:
                continue
            p = el.makeelement("p", {})
            try:
                p.text = text
            except ValueError:
                continue  # text lxml will not take back (control characters): left as it was
            if owner is None:
                el.text = None
                el.insert(0, p)
            else:
                owner.tail = None
                owner.addnext(p)
            for m in members:
                p.append(m)  # moves m (and its tail) into the paragraph
