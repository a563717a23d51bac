"""Layout tables become divs, so that only data tables reach the answer as (Markdown) tables.

Old portal pages lay the whole page out in nested tables; a table whose cells hold blocks, other
tables or ``<br>``-broken text, or that has a single column, is layout, not data.
"""

from __future__ import annotations

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
