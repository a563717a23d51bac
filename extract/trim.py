"""What is cut from the answer's blocks: the question's echo, the disclaimer and the tip (kept as
notes), boilerplate lines, the site's masthead, and everything after a leftover noise heading,
unless that heading sat between a sidebar and the article."""

from __future__ import annotations

import re
from typing import Any

from extract.blocks import Block, block_text
from extract.meta import strip_question
from extract.noise.lines import is_noise_heading, is_noise_line
from extract.notices import is_disclaimer, is_tip
from extract.text import compact

_COUNTER_LINE = re.compile(r"^[^:：]{1,8}[:：]\d+$")
_NAV_WORDS = re.compile(
    r"首页|主页|返回|登录|注册|搜索|菜单|导航|下载|APP|App|app|更多|频道|栏目|网站|[|/·>»\-\s]"
)


def _is_masthead(text: str, names: set[str]) -> bool:
    """A line of nothing but the site's name(s) and navigation words ("健康问答 首页")."""
    key = compact(text)
    if not names or len(key) > 40:
        return False
    for name in sorted(names, key=len, reverse=True):
        if name:
            key = key.replace(name, "")
    return len(key) < len(compact(text)) and not _NAV_WORDS.sub("", key)


def strip_notices(
    blocks: list[Block], question: str, names: set[str] | None = None
) -> tuple[list[Block], dict[str, Any]]:
    """Drop the question echo, disclaimer, tip, boilerplate lines and everything after a noise heading."""
    notes: dict[str, Any] = {"disclaimer": None, "tip": None}
    qkey = compact(question)
    names = names or set()
    out: list[Block] = []
    skipping = False
    for i, block in enumerate(blocks):
        text = block_text(block)
        key = compact(text)
        if not key:
            continue
        if block["type"] == "table" and all(
            is_noise_line(cell) for row in block["rows"] for cell in row if cell.strip()
        ):
            continue  # a tool row: "2005-04-27 来源:… | 发表评论 | 打印本文"
        if skipping:
            if len(key) < 60:
                continue  # the sidebar's own items under its heading
            skipping = False
        if block["type"] in ("paragraph", "heading"):
            if i < 3 and not out and qkey and qkey in (key, compact(strip_question(text))):
                continue  # the question repeated as the answer's first line
            if is_tip(text):
                notes["tip"] = notes["tip"] or text
                continue
            if is_disclaimer(text):
                notes["disclaimer"] = notes["disclaimer"] or text
                continue
            if is_noise_heading(text):
                if _COUNTER_LINE.match(key):
                    # A sidebar's "评论:587" is a counter, not a section: no cut; when far more text
                    # follows it, what came before it was the sidebar.
                    if _outweighed(out, blocks[i + 1 :]):
                        out = []
                    continue
                if out and _sidebar_first(out, blocks[i + 1 :]):
                    out, skipping = [], True  # a sidebar (相关新闻 + titles) stood above the article
                    continue
                if out:
                    break  # what follows a leftover 相关推荐 heading is its cards
                continue
            if is_noise_line(text) or _is_masthead(text, names):
                continue
        out.append(block)
    return out, notes


def _sidebar_first(before: list[Block], after: list[Block]) -> bool:
    """Short lines, then a noise heading, then an article (paragraphs of prose, 250+ characters and
    four times the text before): the lines and the heading's items were a sidebar, the article is
    the answer."""
    if any(len(compact(block_text(b))) >= 60 for b in before):
        return False
    prose = [len(compact(b["text"])) for b in after if b["type"] == "paragraph" and len(compact(b["text"])) >= 60]
    kept = sum(len(compact(block_text(b))) for b in before)
    return len(prose) >= 2 and sum(prose) >= max(250, 4 * kept)


def _outweighed(before: list[Block], after: list[Block]) -> bool:
    """Far more text after a noise heading than before it: the heading sat above the main text."""
    kept = sum(len(compact(block_text(b))) for b in before)
    rest = sum(len(compact(block_text(b))) for b in after)
    return rest >= 500 and rest > 4 * kept
