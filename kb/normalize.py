"""Text normalization before hashing and comparing, and the numbers an answer states.

Two extractions of the same answer must hash the same even when the page changed its width forms,
its whitespace, its counters (阅读 1234), its time stamps (发布时间 …) or kept a disclaimer or tip
line the extractor missed: those are never content.
The numbers (amounts, percentages, years) are the content editors care most about: a changed number
is a changed answer, and the same question with different numbers is a conflict, not a copy.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from extract.notices import is_disclaimer, is_tip

# The "以官方公告为准" family of notes: kept out of the hash because the flag reads them separately.
_DEFER = re.compile(
    r"(?:如有疑问|具体)?[^。\n]{0,20}以(?:官方|当地)[^。\n]{0,20}(?:公告|公布|规定|政策|解释)为准[。.]?"
)
# Counters and stamps: 阅读 1,234 / 1234人看过 / 点赞 12 / 发布时间:2024-01-02 10:00 / 更新于 2024年1月2日.
_COUNTER = re.compile(
    r"(?:(?:阅读|浏览|点赞|收藏|评论|分享|回答|关注)(?:量|数|次数)?[ \t]*[:]?[ \t]*[\d,.]+[ \t]*[万wk]?\+?)"
    r"|(?:(?<![\d,.])[\d,.]+[ \t]*[万wk]?\+?[ \t]*(?:人|次)(?:阅读|浏览|看过|觉得有用|点赞|收藏|回答))"
)
_CLOCK = r"(?:[ \t]*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE = rf"\d{{4}}[ \t]*(?:[-/.年][ \t]*\d{{1,2}}[ \t]*(?:[-/.月][ \t]*\d{{1,2}}[ \t]*日?)?){_CLOCK}"
_DAY = rf"\d{{4}}[ \t]*[-/.年][ \t]*\d{{1,2}}[ \t]*[-/.月][ \t]*\d{{1,2}}[ \t]*日?{_CLOCK}"
# A stamp inside a line (发布时间 …), a line that is only a date, or a card's dateline: a short
# label, a space and a full date ("健康新闻 2024-05-01", "人民网 2024-05-01"), never a sentence.
_STAMP = re.compile(
    rf"(?:发布|更新|修改|编辑|审核|来源)(?:时间|日期|于)?[ \t]*[:]?[ \t]*{_DATE}"
    rf"|^[ \t]*{_DATE}[ \t]*$"
    rf"|^[ \t]*[\u4e00-\u9fff]{{2,6}}[ \t]+{_DAY}[ \t]*$",
    re.M,
)
_CJK_OR_PUNCT = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef,.;:!?()\[\]、。]"
# A run of spaces is matched from its start only ((?<![ \t]) and (?<![\d,.]) below): the same matches in
# linear time on a hostile run (tests/security/test_regex_budget.py).
_SPACE_AROUND_CJK = re.compile(rf"(?<={_CJK_OR_PUNCT})[ \t]+|(?<![ \t])[ \t]+(?={_CJK_OR_PUNCT})")
_SPACES = re.compile(r"[ \t\u00a0\u200b\ufeff]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

# Punctuation NFKC keeps in its CJK form but writers use interchangeably.
_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "～": "~"})


def _width(text: str) -> str:
    """NFKC folds full-width letters, digits and ASCII punctuation (：，（） → :,()) to half width."""
    return unicodedata.normalize("NFKC", text).translate(_PUNCT)


def normalize(text: str) -> str:
    """The comparable form of a text: NFKC, boilerplate/counters/stamps dropped, whitespace canonical.

    Paragraph breaks survive (as one newline): they are structure; spacing between CJK characters,
    which extractors add and remove at will, does not.
    """
    return _clean(_width(text or ""))


def normalize_answer(text: str) -> str:
    """:func:`normalize` for an answer: its disclaimer and medical-tip lines are dropped too.

    The extractor removes both (reported as flags, not content), recognising them by what they say
    (``extract.notices``); a line it missed must not make a version either. A question is never
    read this way: it may well ask what 仅供参考 means.
    """
    return _clean(_width(text or ""), notices=True)


def _is_notice(line: str) -> bool:
    """A paragraph line that is a disclaimer or a tip; table rows and list items are the answer's
    own (the extractor keeps those too)."""
    line = line.strip()
    if not line or line.startswith(("|", "- ")):
        return False
    return is_tip(line) or is_disclaimer(line)


def _clean(text: str, notices: bool = False) -> str:
    """:func:`normalize` of a text already width-folded (``notices``: :func:`normalize_answer`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if notices:
        text = "\n".join(line for line in text.split("\n") if not _is_notice(line))
    text = _DEFER.sub("", text)
    text = _STAMP.sub("", text)
    text = _COUNTER.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_AROUND_CJK.sub("", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return _BLANK_LINES.sub("\n", text).strip()


@dataclass(frozen=True)
class Normalized:
    """A page's question and answer in comparable form, made once per ingest and handed on.

    The content hash, the near-duplicate shingles (from :attr:`text`) and the conflict check (the
    answer's :attr:`numbers`) all read it, instead of each normalizing the same text again.
    """

    question: str  # normalize(question)
    answer: str  # normalize_answer(answer)
    numbers: tuple[str, ...]  # the figures the answer states (numbers(answer))
    disclaimer: bool = False  # the page carries the official-verification disclaimer

    @property
    def text(self) -> str:
        """Question and answer together: what two entries are compared on for near-duplicates."""
        return f"{self.question}\n{self.answer}"

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the normalized question and answer: what decides whether a version is new.

        ``disclaimer`` is part of the content: an editor must hear when a page drops it or adds it,
        though the sentence itself is not hashed.
        """
        key = self.question + "\n\x1f\n" + self.answer
        if self.disclaimer:
            key += "\n\x1f[disclaimer]"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalized(question: str, answer: str, *, disclaimer: bool = False) -> Normalized:
    """Normalize a question and answer once: see :class:`Normalized`."""
    wide = _width(answer or "")
    return Normalized(normalize(question), _clean(wide, notices=True), tuple(_numbers(wide)), disclaimer)


def content_hash(question: str, answer: str, *, disclaimer: bool = False) -> str:
    """The content hash of a question and answer (:attr:`Normalized.content_hash`)."""
    return normalized(question, answer, disclaimer=disclaimer).content_hash


_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NUMBERS = re.compile(
    rf"(?<![\d.])(?P<year>(?:19|20)\d{{2}})\s*(?=年(?!龄|纪))"
    rf"|(?<!\d)(?P<pct>{_NUMBER})\s*%"
    rf"|百分之(?P<cnpct>[零一二三四五六七八九十百点]+)"
    rf"|(?<!\d)(?P<amount>{_NUMBER})\s*(?P<unit>[万千百亿]?元)"
)


def numbers(text: str) -> list[str]:
    """The amounts (3000元, 1.5万元), percentages (8%) and years (2023年) a text states, in order.

    Normalized (NFKC, thousands separators dropped) so 3,000元 and ３０００元 compare equal.
    Conflict detection and the report's "3000元 → 4000元" summary both read these.
    """
    return _numbers(_width(text or ""))


def _numbers(text: str) -> list[str]:
    """:func:`numbers` of a text already width-folded."""
    out: list[str] = []
    for m in _NUMBERS.finditer(text):
        if m.group("year"):
            out.append(m.group("year") + "年")
        elif m.group("pct"):
            out.append(m.group("pct").replace(",", "") + "%")
        elif m.group("cnpct"):
            out.append("百分之" + m.group("cnpct"))
        else:
            out.append(m.group("amount").replace(",", "") + m.group("unit"))
    return out


def years(text: str) -> list[int]:
    """The years a text names as years (2023年, 2023年度)."""
    return [int(n[:-1]) for n in numbers(text) if n.endswith("年")]


def number_changes(old: str, new: str) -> list[str]:
    """How the stated numbers moved between two texts: ["3000元 → 4000元", "+ 2025年", "- 8%"]."""
    a, b = numbers(old), numbers(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "replace":
            for x, y in zip(a[i1:i2], b[j1:j2], strict=False):
                out.append(f"{x} → {y}")
            out += [f"- {x}" for x in a[i1 + (j2 - j1) : i2]]
            out += [f"+ {y}" for y in b[j1 + (i2 - i1) : j2]]
        elif op == "delete":
            out += [f"- {x}" for x in a[i1:i2]]
        elif op == "insert":
            out += [f"+ {y}" for y in b[j1:j2]]
    return out
