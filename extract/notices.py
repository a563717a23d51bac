"""The official-verification disclaimer and the medical tip, recognised by what they say.

Both are boilerplate the page adds around an answer: they are reported as flags (the disclaimer
drives ``needs_verification``) and removed from ``answer``. Matching is by phrase patterns and
their variants, never by markup: 仅供参考 … 核实 / 以官方…为准 for the disclaimer, 不能代替面诊 /
不能替代专业医疗建议 / 遵医嘱 for the tip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from extract.text import compact, element_text

# A block that IS a disclaimer: "for reference only" + "check with the official source".
_REFERENCE = re.compile(
    r"仅供参考|仅作参考|仅供参阅|仅供借鉴|只供参考|不构成.{0,6}(建议|依据)|可能存在(不准确|错误|偏差|滞后)"
)
_VERIFY = re.compile(
    r"核实|核对|核准|确认|咨询|查询|为准|官方(渠道|网站|公告|发布)|官网|以.{0,16}(公布|发布|公告|解释|规定|口径)为准"
)
_SOURCE = re.compile(r"整理自|来源于?互联网|网络公开|公开渠道|网友(提供|分享)|AI生成|人工智能生成|由AI")
# A sentence that defers to the official source on its own ("具体以当地医保局公布为准").
_DEFER = re.compile(
    r"(具体|实际|最终|一切|相关|请|均|应|需|务必)?[^。！!；;]{0,12}以"
    r"(当地|各地|官方|最新|医保|社保|人社|政府|主管|权威|参保地|就医地|国家|相关|所在)"
    r"[^。！!；;]{0,24}(公布|发布|公告|规定|政策|解释|通知|文件|口径|要求|答复)[^。！!；;]{0,6}为准"
)
# The medical tip: "cannot replace a visit to a doctor", "follow the doctor's orders".
_TIP_STRONG = re.compile(
    r"不(能|可|可以|应|宜)?(代替|替代|取代)(医生|医师)?(面诊|就医|医生|专业医疗|诊断|诊疗|医疗|治疗|看病)|"
    r"不(可|能|应)?(作为|构成|视为).{0,4}(诊断|治疗|诊疗|用药|就医|医疗).{0,2}(依据|建议|参考|意见)"
)
_TIP_WEAK = re.compile(
    r"遵医嘱|在医生指导下|请(尽快|及时|立即|到正规医院|前往医院)就医|如有不适.{0,6}就医|咨询(专业)?(医生|医师)|"
    r"医学知识仅供参考|切勿自行用药"
)
_TIP_LEAD = re.compile(r"^(温馨)?提示\s*[:：]|^(医疗|健康|风险)?(提示|提醒|声明)\s*[:：]|^免责声明\s*[:：]?")


@lru_cache(maxsize=16384)  # pure on the text; menus and cards repeat lines
def is_tip(text: str) -> bool:
    t = compact(text)
    if not t or len(t) > 600:
        return False
    strong = bool(_TIP_STRONG.search(t))
    weak = len(_TIP_WEAK.findall(t))
    lead = bool(_TIP_LEAD.match(t))
    return (strong and (len(t) < 300 or lead or weak >= 1)) or weak >= 2 or (weak >= 1 and lead)


_FOOTERISH = re.compile(r"版权所有|ICP|©|Copyright|备案号", re.I)


@lru_cache(maxsize=16384)  # pure on the text; menus and cards repeat lines
def is_disclaimer(text: str) -> bool:
    """A whole block that exists to say: unverified, check the official source."""
    t = compact(text)
    if not t or len(t) > 500 or is_tip(t) or _FOOTERISH.search(t):
        return False
    ref = bool(_REFERENCE.search(t))
    verify = bool(_VERIFY.search(t))
    source = bool(_SOURCE.search(t))
    if ref and (verify or source or len(t) <= 30):
        return True
    if source and verify and len(t) < 300:
        return True
    # A short block that only defers to the official source.
    return (
        bool(_DEFER.search(t))
        and len(t) < 80
        and bool(_TIP_LEAD.match(t) or t.startswith(("注", "备注", "说明")))
    )


def deferring_sentence(text: str) -> str | None:
    """A sentence inside an answer that defers to the official announcement (以官方公告为准)."""
    m = _DEFER.search(compact(text))
    if not m:
        return None
    return m.group(0)


# ---- page-wide: the notice in a box of its own, outside the answer -----------------------------------

# Words a notice cannot do without: only text nodes holding one are looked at.
_TRIGGER_WORDS = ("参考", "参阅", "借鉴", "核实", "核对", "为准", "不构成", "整理自", "公开渠道", "互联网", "面诊",
                  "医嘱", "就医", "诊断", "替代", "代替")  # fmt: skip
_TRIGGER = re.compile("|".join(_TRIGGER_WORDS))
_TEXTS = etree.XPath(".//text()")


def _trigger_texts(body) -> list:
    """The page's text nodes that hold a trigger word (none looked at when the page has none)."""
    if not _TRIGGER.search(body.xpath("string()")):
        return []
    return [t for t in _TEXTS(body) if _TRIGGER.search(t)]
_NOTICE_BLOCKS = {
    "p", "div", "li", "td", "th", "dd", "dt", "section", "aside", "article", "blockquote", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "main", "table", "ul", "ol", "dl", "form",
}  # fmt: skip
_FURNITURE = {"aside", "header", "nav", "dialog"}  # dropped as page furniture, yet a notice may sit there
# The web's own convention for a page footer (role, id and class words), not any one site's names.
_FOOTER_NAME = re.compile(r"foot|copyright|contentinfo|bottom", re.I)
_MAX_NOTICE = 600


@dataclass
class Notice:
    """A disclaimer or tip found outside the answer: its text, and whether it sat in page furniture."""

    kind: str  # "disclaimer" | "tip"
    text: str
    el: Any
    furniture: bool
    page_own: bool = True  # False: a site footer's or a related card's, never this page's notice


def _nearest_block(el):
    while el is not None and el.tag not in _NOTICE_BLOCKS:
        el = el.getparent()
    return el


def in_footer(el) -> bool:
    """Inside a <footer> or a footer-named container, or beside the copyright / ICP line."""
    node = el
    for _ in range(5):
        if node is None or node.tag in ("body", "html"):
            return False
        if node.tag == "footer" or _FOOTER_NAME.search(f"{node.get('role', '')} {node.get('id', '')} "
                                                         f"{node.get('class', '')}"):  # fmt: skip
            return True
        text = element_text(node, 500)
        if len(text) > 500:
            return False  # a container this big is the page's content, not its footer
        if _FOOTERISH.search(text):
            return True
        node = node.getparent()
    return False


def _in_card(el, size: int) -> bool:
    """A notice quoted in a card (a related item's snippet beside its title link) is that item's."""
    if any(a.tag == "a" for a in el.iterancestors()):
        return True
    own = {id(x) for x in el.iter("a")}  # a link inside the notice ("请以<a>官网</a>为准") is its own
    node = el.getparent()
    for _ in range(3):
        if node is None or node.tag in ("body", "html") or len(element_text(node, size + 250)) > size + 200:
            return False
        for a in node.iter("a"):
            if id(a) not in own and (a.get("href") or "").strip()[:1] not in ("", "#") and (
                len(compact(element_text(a, 60))) >= 6
            ):
                return True
        node = node.getparent()
    return False


def page_notices(root, title_el=None) -> list[Notice]:
    """Every disclaimer and tip block of the uncleaned page, in page order; those in a footer or a
    card are marked not the page's own.

    The caller decides which survive the cleaning (see :func:`pick_notice`): a notice in the page's
    furniture (a statement bar above the title, a side box) counts though the cleaner drops it.
    """
    body = root.find("body")
    if body is None:
        return []
    found: list[Notice] = []
    seen: set[int] = set()
    title_at = _position(title_el) if title_el is not None else None
    for chunk in _trigger_texts(body):
        el = chunk.getparent()
        if el is not None and chunk.is_tail:
            el = el.getparent()
        if el is None or not isinstance(el.tag, str) or el.tag in ("script", "style", "template"):
            continue
        block = _nearest_block(el)
        for _ in range(3):
            if block is None or block.tag in ("body", "html") or id(block) in seen:
                break
            text = element_text(block, _MAX_NOTICE + 20)
            if len(text) > _MAX_NOTICE:
                break
            kind = "tip" if is_tip(text) else "disclaimer" if is_disclaimer(text) else None
            if kind:
                seen.add(id(block))
                own = not in_footer(block) and not _in_card(block, len(text))
                before = title_at is not None and _position(block) < title_at and not any(
                    x is title_el for x in block.iter()
                )
                furniture = before or any(a.tag in _FURNITURE for a in block.iterancestors())
                found.append(Notice(kind, text, block, furniture or block.tag in _FURNITURE, own))
                break
            block = _nearest_block(block.getparent())
    return found


def _position(el) -> int:
    """The element's place in document order (elements before it that are not its ancestors)."""
    return int(el.xpath("count(preceding::*)"))


def pick_notice(notices: list[Notice], kind: str, root) -> str | None:
    """The first notice of ``kind`` that is still on the cleaned page, or sat in its furniture."""
    for n in notices:
        if n.kind == kind and n.page_own and (n.furniture or _attached(n.el, root)):
            return n.text
    return None


def not_the_pages(notices: list[Notice], text: str) -> bool:
    """``text`` (a notice the main text carried) is a footer's or a card's: no flag for this page."""
    key = compact(text)
    return any(not n.page_own and key in compact(n.text) for n in notices) and not any(
        n.page_own and key in compact(n.text) for n in notices
    )


def _attached(el, root) -> bool:
    top = el
    while top.getparent() is not None:
        top = top.getparent()
    return top is root
