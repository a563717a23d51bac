"""What changed in an answer: a character-level diff that reads well in Chinese, and the numbers.

Chinese has no spaces, so word diffs do not apply; a raw character diff shreds sentences into
one-character fragments. diff-match-patch's semantic cleanup merges those fragments into
readable chunks. Numbers get their own pass: an editor's first question is "which amount changed?",
so every number (with its unit) touched by an edit is paired old → new ("3000元 → 4000元").
"""

from __future__ import annotations

import re
from collections import Counter

from diff_match_patch import diff_match_patch

OPS = {0: "=", -1: "-", 1: "+"}

# An amount, rate, date or count with its unit: 3000元, 1.5万元, 50%, 2024年, 12个月, 3次.
NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*(?: ?(?:%|％|‰|万元|亿元|千元|元|万|亿|年|个月|月|日|天|周|岁|次|倍|人次|人|项|家|个|小时|分钟|公里))?"
)


def char_diff(old: str, new: str, timeout: float = 1.0) -> list[list[str]]:
    """[[op, text], ...] with op "=", "-" or "+", after semantic cleanup."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    return [[OPS[op], text] for op, text in diffs]


def _hunks(diff: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive edits as (old_start, old_end, new_start, new_end)."""
    hunks: list[tuple[int, int, int, int]] = []
    a = b = 0
    cur: list[int] | None = None
    for op, text in diff:
        if op == "=":
            if cur:
                hunks.append((cur[0], cur[1], cur[2], cur[3]))
                cur = None
            a += len(text)
            b += len(text)
            continue
        if cur is None:
            cur = [a, a, b, b]
        if op == "-":
            a += len(text)
            cur[1] = a
        else:
            b += len(text)
            cur[3] = b
    if cur:
        hunks.append((cur[0], cur[1], cur[2], cur[3]))
    return hunks


def _touched(text: str, start: int, end: int) -> list[str]:
    """Numbers in ``text`` that an edit over [start, end) touches (an insertion point inside counts)."""
    found = []
    for m in NUMBER.finditer(text):
        if start == end:
            hit = m.start() < start < m.end()
        else:
            hit = m.start() < end and start < m.end()
        if hit:
            found.append(m.group().strip())
    return found


def number_changes(old: str, new: str, diff: list[list[str]] | None = None) -> list[dict[str, str | None]]:
    """Numbers an edit changed, paired within each edit: [{"old": "3000元", "new": "4000元"}, ...].

    A number only removed has ``new`` None; only added, ``old`` None. Pairs repeat as often as
    they occur (the summary line counts them).
    """
    diff = diff if diff is not None else char_diff(old, new)
    changes: list[dict[str, str | None]] = []
    for a0, a1, b0, b1 in _hunks(diff):
        olds = _touched(old, a0, a1)
        news = _touched(new, b0, b1)
        for i in range(max(len(olds), len(news))):
            o = olds[i] if i < len(olds) else None
            n = news[i] if i < len(news) else None
            if o != n:
                changes.append({"old": o, "new": n})
    return changes


def summary_line(changes: list[dict[str, str | None]]) -> str:
    """ "3000元 → 4000元 (×3); + 50%" — the changed numbers, each distinct pair once."""
    counts = Counter((c["old"], c["new"]) for c in changes)
    parts = []
    for (o, n), k in counts.items():
        if o and n:
            text = f"{o} → {n}"
        elif n:
            text = f"+ {n}"
        else:
            text = f"− {o}"
        parts.append(text + (f" (×{k})" if k > 1 else ""))
    return "; ".join(parts)


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
