"""What changed in an answer: a character-level diff that reads well in Chinese, and the numbers.

Chinese has no spaces, so word diffs do not apply; a raw character diff shreds sentences into
one-character fragments. diff-match-patch's semantic cleanup merges those fragments into
readable chunks. Numbers get their own pass: an editor's first question is "which amount changed?",
so the amounts, rates and years an edit moved are listed old → new ("3000元 → 4000元").
"""

from __future__ import annotations

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
