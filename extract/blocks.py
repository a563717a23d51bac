"""Typed answer blocks: from trafilatura's XML or from raw HTML, and to the contract's plain text.

Blocks: ``paragraph`` (text), ``heading`` (text, level), ``list`` (ordered, items), ``table`` (rows,
first row the header). The plain text is DESIGN.md's: blocks separated by a blank line, ``- `` and
``1. `` items, tables as Markdown pipe tables.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from extract.text import squash

Block = dict[str, Any]

_LEAD_BULLET = re.compile(r"^[•·●▪◆■□◇○\-*]\s*")


def _inline_text(el, skip: tuple[str, ...] = ()) -> list[str]:
    """Text of an element split at line breaks (<lb/> or <br>); nested ``skip`` tags left out."""
    lines: list[str] = [""]

    def walk(node) -> None:
        if node.text:
            lines[-1] += node.text
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in ("lb", "br"):
                lines.append("")
            elif tag in skip:
                pass
            elif tag:
                walk(child)
            if child.tail:
                lines[-1] += child.tail

    walk(el)
    return [squash(line) for line in lines if squash(line)]


def _table_rows(el, row_tag: str, cell_tags: tuple[str, ...]) -> list[list[str]]:
    rows = []
    for row in el.iter(row_tag):
        cells = [" ".join(_inline_text(c)) for c in row if isinstance(c.tag, str) and c.tag in cell_tags]
        if any(cells):
            rows.append([c.replace("|", "\\|") for c in cells])
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _list_items(el, item_tag: str, list_tags: tuple[str, ...]) -> list[str]:
    items: list[str] = []
    for item in el:
        if not isinstance(item.tag, str) or item.tag != item_tag:
            continue
        text = " ".join(_inline_text(item, skip=list_tags))
        if text:
            items.append(_LEAD_BULLET.sub("", text))
        for sub in item:
            if isinstance(sub.tag, str) and sub.tag in list_tags:
                items += _list_items(sub, item_tag, list_tags)
    return items


def from_trafilatura_xml(xml: str) -> list[Block]:
    """trafilatura's ``output_format="xml"`` document -> blocks."""
    try:
        doc = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=False))
    except (etree.XMLSyntaxError, ValueError):
        return []
    if doc is None:
        return []
    return from_trafilatura_tree(doc)


def from_trafilatura_tree(doc) -> list[Block]:
    """trafilatura's XML output as a tree (``<doc><main>…``) -> blocks."""
    main = doc.find("main")
    if main is None:
        main = doc
    blocks: list[Block] = []
    _walk_xml(main, blocks, 0)
    return blocks


def _walk_xml(parent, blocks: list[Block], depth: int) -> None:
    if parent.text and squash(parent.text):
        blocks.append({"type": "paragraph", "text": squash(parent.text)})
    for el in parent:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            rend = el.get("rend") or "h2"
            level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
            text = " ".join(_inline_text(el))
            if text:
                blocks.append({"type": "heading", "text": text, "level": level})
        elif tag == "list":
            items = _list_items(el, "item", ("list",))
            if items:
                blocks.append({"type": "list", "ordered": el.get("rend") == "ol", "items": items})
        elif tag == "table":
            rows = _table_rows(el, "row", ("cell",))
            blocks += _table_block(rows)
        elif tag == "graphic":
            continue
        elif tag in ("div", "main", "section", "article", "quote") and depth < 20 and _has_blocks(el):
            _walk_xml(el, blocks, depth + 1)
        else:
            for line in _inline_text(el):
                blocks.append({"type": "paragraph", "text": line})
        if el.tail and squash(el.tail):
            blocks.append({"type": "paragraph", "text": squash(el.tail)})


_XML_BLOCKS = {"p", "head", "list", "table", "div", "quote", "code", "section", "article", "main"}


def _has_blocks(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _XML_BLOCKS for c in el)


def _table_block(rows: list[list[str]]) -> list[Block]:
    if not rows:
        return []
    if len(rows[0]) == 1:  # a one-column "table" is layout: its cells are paragraphs
        return [{"type": "paragraph", "text": r[0]} for r in rows if r[0]]
    return [{"type": "table", "rows": rows}]


_BLOCK_TAGS = {
    "p", "div", "section", "article", "blockquote", "pre", "dd", "dt", "dl", "main", "center", "td", "th",
    "li", "ul", "ol", "table", "tr", "tbody", "thead", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "footer", "aside", "nav", "figure", "figcaption", "address", "details", "summary", "fieldset", "form",
    "hr", "body", "html", "caption", "menu", "hgroup",
}  # fmt: skip
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "title",
    "select",
    "option",
    "textarea",
    "button",
}


def is_block(el) -> bool:
    """A block-level element (a line of its own), not an inline run's part."""
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag in _BLOCK_TAGS or "-" in tag  # custom elements (mip-*, x-*) act as blocks


def from_html(el) -> list[Block]:
    """An lxml HTML element -> blocks, in document order.

    Inline runs (text, <b>, <a>, <span> …) between blocks become one paragraph each, split at <br>;
    lists, tables and headings become typed blocks. Each block remembers nothing of its element:
    callers match blocks by text.
    """
    blocks: list[Block] = []
    line: list[str] = []

    def flush() -> None:
        text = squash("".join(line))
        line.clear()
        if text:
            blocks.append({"type": "paragraph", "text": text})

    def walk(node, depth: int) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag or tag in _SKIP_TAGS or depth > 200:
            return
        if tag == "br":
            flush()
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            flush()
            text = " ".join(_inline_text(node))
            if text:
                blocks.append({"type": "heading", "text": text, "level": int(tag[1])})
            return
        if tag in ("ul", "ol"):
            flush()
            items = _list_items(node, "li", ("ul", "ol"))
            if items:
                blocks.append({"type": "list", "ordered": tag == "ol", "items": items})
            return
        if tag == "table":
            flush()
            blocks.extend(_table_block(_table_rows(node, "tr", ("td", "th"))))
            return
        block = is_block(node)
        if block:
            flush()
        if node.text:
            line.append(node.text)
        for child in node:
            walk(child, depth + 1)
            if child.tail:
                line.append(child.tail)
        if block:
            flush()

    walk(el, 0)
    flush()
    return blocks


def select_by_text(blocks: list[Block], chosen: str) -> list[Block]:
    """The blocks whose text the main-content finder chose (``chosen``: its output text, in order).

    Blocks are found in ``chosen`` in document order (a cursor moves forward), so a short string
    that merely occurs somewhere in the chosen text (a tag-cloud word) does not come back. A
    heading the finder dropped is kept when the block after it is kept: it heads chosen content.
    """
    pool = "".join(chosen.split())
    pos = 0
    used: dict[str, int] = {}

    def picked(text: str) -> bool:
        nonlocal pos
        key = "".join(text.split())
        if not key:
            return False
        idx = pool.find(key, pos)
        if idx != -1 and (len(key) >= 20 or idx - pos <= 60):
            pos = idx + len(key)
            used[key] = used.get(key, 0) + 1
            return True
        if len(key) >= 20 and (key in pool or (len(key) > 40 and key[:20] in pool and key[-20:] in pool)):
            # Found only behind the cursor: a second copy of the page's text (print/mobile versions)
            # is taken once per time the chosen text holds it.
            if used.get(key, 0) >= max(1, pool.count(key)):
                return False
            used[key] = used.get(key, 0) + 1
            return True
        return False

    keep: list[Block | None] = []
    for block in blocks:
        kind = block["type"]
        if kind == "list":
            items = [i for i in block["items"] if picked(i)]
            keep.append({**block, "items": items} if items else None)
        elif kind == "table":
            cells = [c for row in block["rows"] for c in row if c]
            hit = sum(1 for c in cells if picked(c))
            keep.append(block if cells and hit >= 0.5 * len(cells) else None)
        else:
            keep.append(block if picked(block["text"]) else None)
    _fill_gaps(blocks, keep, pool)
    next_kept = False
    for i in range(len(blocks) - 1, -1, -1):
        if keep[i] is None and blocks[i]["type"] == "heading" and next_kept and len(blocks[i]["text"]) <= 60:
            keep[i] = blocks[i]
        next_kept = keep[i] is not None
    return [k for k in keep if k is not None]


def _fill_gaps(blocks: list[Block], keep: list[Block | None], pool: str, most: int = 3) -> None:
    """Short paragraphs (up to ``most`` in a row) between two chosen short ones, whose text the finder
    chose too, are kept: cells of a (layout) table the finder wrote out in another order or once where
    the page repeats them (a name, "同上"). A tag-cloud word sits outside the chosen text."""
    i = 0
    while i < len(blocks):
        if keep[i] is not None or i == 0 or keep[i - 1] is None:
            i += 1
            continue
        j = i
        while j < len(blocks) and keep[j] is None and j - i < most:
            j += 1
        gap = range(i, j)
        if (
            j < len(blocks)
            and keep[j] is not None
            and all(blocks[k]["type"] == "paragraph" and len(blocks[k]["text"]) < 20 for k in (i - 1, *gap, j))
            and all("".join(blocks[k]["text"].split()) in pool for k in gap)
        ):
            for k in gap:
                keep[k] = blocks[k]
        i = j + 1 if j > i else i + 1


def render(blocks: list[Block]) -> str:
    """The contract's plain text of ``blocks``."""
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("paragraph", "heading"):
            parts.append(block["text"])
        elif kind == "list":
            if block.get("ordered"):
                parts.append("\n".join(f"{i}. {item}" for i, item in enumerate(block["items"], 1)))
            else:
                parts.append("\n".join(f"- {item}" for item in block["items"]))
        elif kind == "table":
            rows = block["rows"]
            lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join("---" for _ in rows[0]) + " |"]
            lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
            parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p)


def block_text(block: Block) -> str:
    """All the words of one block, for matching and measuring."""
    kind = block.get("type")
    if kind == "list":
        return " ".join(block["items"])
    if kind == "table":
        return " ".join(" ".join(r) for r in block["rows"])
    return block.get("text", "")


_BULLET_PARA = re.compile(r"^(?:[•·●▪◆■□◇○]|[-*]\s)\s*")


def merge_bullets(blocks: list[Block]) -> list[Block]:
    """Consecutive paragraphs that start with a bullet sign are one unordered list."""
    out: list[Block] = []
    for block in blocks:
        if block["type"] == "paragraph" and _BULLET_PARA.match(block["text"]):
            item = _BULLET_PARA.sub("", block["text"], count=1).strip()
            last = out[-1] if out else None
            if last and last["type"] == "list" and not last["ordered"] and last.get("_merged"):
                last["items"].append(item)
            else:
                out.append({"type": "list", "ordered": False, "items": [item], "_merged": True})
        else:
            out.append(block)
    for block in out:
        block.pop("_merged", None)
    return out
