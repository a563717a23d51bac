"""What changed in an answer: a character-level diff that reads well in Chinese, and the numbers.

Chinese has no spaces, so word diffs do not apply; a raw character diff shreds sentences into
one-character fragments. diff-match-patch's semantic cleanup merges those fragments into
readable chunks. Numbers get their own pass: an editor's first question is "which amount changed?",
so the amounts, rates and years an edit moved are listed old → new ("3000元 → 4000元").
"""

from __future__ import annotations

import re
from collections import Counter

from diff_match_patch import diff_match_patch

from kb import normalize

OPS = {0: "=", -1: "-", 1: "+"}


def char_diff(old: str, new: str, timeout: float = 1.0) -> list[list[str]]:
    """[[op, text], ...] with op "=", "-" or "+", after semantic cleanup."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    return [[OPS[op], text] for op, text in diffs]


_DIGITS_ONLY = re.compile(r"[0-9.,]*")
_NUMBER_TAIL = re.compile(r"[0-9][0-9.,]*$")
_NUMBER_HEAD = re.compile(
    r"^(?:[0-9]|[.,](?=[0-9]))[0-9.,]*(?:万元|千元|亿元|元|%|％|年|个月|月|日|天|岁|次|倍)?"
)


def widen_numbers(diff: list[list[str]]) -> list[list[str]]:
    """For display: an edit inside a number shows the whole number on both sides.

    Semantic cleanup leaves "超过[-3-]{+4+}000元"; an editor reads "超过[-3000元-]{+4000元+}" faster.
    Only edits made of digits alone are widened; the result still rebuilds both texts.
    """
    out = [list(op) for op in diff]
    i = 0
    while i < len(out):
        if out[i][0] == "=":
            i += 1
            continue
        j = i
        while j < len(out) and out[j][0] != "=":
            j += 1
        deleted = "".join(t for op, t in out[i:j] if op == "-")
        inserted = "".join(t for op, t in out[i:j] if op == "+")
        before = out[i - 1][1] if i > 0 else ""
        after = out[j][1] if j < len(out) else ""
        tail = _NUMBER_TAIL.search(before)
        head = _NUMBER_HEAD.match(after)
        pure = _DIGITS_ONLY.fullmatch(deleted) and _DIGITS_ONLY.fullmatch(inserted)
        touches = tail is not None or head is not None
        if not (pure and touches):
            i = j
            continue
        lead = tail.group() if tail else ""
        trail = head.group() if head else ""
        replacement = [["-", lead + deleted + trail], ["+", lead + inserted + trail]]
        if i > 0:
            out[i - 1][1] = before[: len(before) - len(lead)]
        if j < len(out):
            out[j][1] = after[len(trail) :]
        out[i:j] = replacement
        i += 2
    return [op for op in out if op[1] or op[0] != "="]


def number_changes(old: str, new: str) -> list[str]:
    """How the stated amounts, rates and years moved: ["3000元 → 4000元", "+ 2025年", "- 8%"].

    The KB's one number reader (``kb.normalize``), which conflict detection uses too; one item per
    occurrence, so a threshold changed in three places is listed three times.
    """
    return normalize.number_changes(old, new)


def summary_line(changes: list[str]) -> str:
    """ "3000元 → 4000元 (×3); + 2025年": each distinct number change once, with its count."""
    counts = Counter(changes)
    return "; ".join(c + (f" (×{k})" if k > 1 else "") for c, k in counts.items())


def excerpt(diff: list[list[str]], context: int = 30, limit: int = 600) -> tuple[list[list[str]], bool]:
    """The diff with long unchanged stretches cut to ``context`` characters around edits, capped.

    Returns (ops, truncated): the Markdown digest shows this instead of whole answers.
    """
    out: list[list[str]] = []
    size = 0
    last = len(diff) - 1
    for i, (op, text) in enumerate(diff):
        if op == "=":
            if i == 0 and len(text) > context:
                text = "…" + text[-context:]
            elif i == last and len(text) > context:
                text = text[:context] + "…"
            elif 0 < i < last and len(text) > 2 * context:
                text = text[:context] + " … " + text[-context:]
        if size + len(text) > limit:
            room = max(limit - size, 0)
            if room:
                out.append([op, text[:room]])
            return out, True
        out.append([op, text])
        size += len(text)
    return out, False
