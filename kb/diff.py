"""What changed between two texts: the KB's one diff, for the report, ``kb history`` and the editors' app.

Chinese has no spaces, so word diffs do not apply, and a raw character diff shreds sentences into
one-character fragments: diff-match-patch's semantic cleanup merges those into readable chunks.
Numbers get their own pass: an editor's first question is "which amount changed?", so the amounts,
rates and years an edit moved are listed old → new ("3000元 → 4000元").

The API is data, never markup, so each renderer (Jinja HTML, Markdown, the terminal) draws it its way:

- ``compare(old, new)`` → ``TextDiff``: ``ops`` (exact: they rebuild both texts), ``numbers`` and
  ``summary`` (the amounts that moved), ``shown()`` (ops for display: an edit inside a number widened
  to the whole number) and ``excerpt()`` (long unchanged stretches cut around the edits).
- ``Op(kind, text)``: ``kind`` is ``"="`` (kept), ``"-"`` (only in the old text) or ``"+"`` (only in
  the new). It is a tuple, so JSON writes it as ``["-", "3000元"]``.
- ``word_diff(ops)``: the one plain-text form, ``[-old-]{+new+}`` (git's word-diff style), for the
  Markdown digest and the terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from diff_match_patch import diff_match_patch

from kb import normalize

KEPT, DELETED, INSERTED = "=", "-", "+"
_KINDS = {0: KEPT, -1: DELETED, 1: INSERTED}


class Op(NamedTuple):
    """One stretch of a diff: ``kind`` is "=", "-" or "+"."""

    kind: str
    text: str


def char_diff(old: str, new: str, timeout: float = 1.0) -> list[Op]:
    """Character diff after semantic cleanup; ``timeout`` bounds diff-match-patch on huge texts."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    diffs = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(diffs)
    return [Op(_KINDS[kind], text) for kind, text in diffs]


def old_text(ops: Iterable[Sequence[str]]) -> str:
    return "".join(text for kind, text in ops if kind != INSERTED)


def new_text(ops: Iterable[Sequence[str]]) -> str:
    return "".join(text for kind, text in ops if kind != DELETED)


_DIGITS_ONLY = re.compile(r"[0-9.,]*")
_NUMBER_TAIL = re.compile(r"[0-9][0-9.,]*$")
_NUMBER_HEAD = re.compile(
    r"^(?:[0-9]|[.,](?=[0-9]))[0-9.,]*(?:万元|千元|亿元|元|%|％|年|个月|月|日|天|岁|次|倍)?"
)


def widen_numbers(ops: Sequence[Sequence[str]]) -> list[Op]:
    """For display: an edit inside a number shows the whole number on both sides.

    Semantic cleanup leaves "超过[-3-]{+4+}000元"; an editor reads "超过[-3000元-]{+4000元+}" faster.
    Only edits made of digits alone are widened; the result still rebuilds both texts.
    """
    out = [[kind, text] for kind, text in ops]
    i = 0
    while i < len(out):
        if out[i][0] == KEPT:
            i += 1
            continue
        j = i
        while j < len(out) and out[j][0] != KEPT:
            j += 1
        deleted = "".join(t for kind, t in out[i:j] if kind == DELETED)
        inserted = "".join(t for kind, t in out[i:j] if kind == INSERTED)
        before = out[i - 1][1] if i > 0 else ""
        after = out[j][1] if j < len(out) else ""
        tail = _NUMBER_TAIL.search(before)
        head = _NUMBER_HEAD.match(after)
        pure = _DIGITS_ONLY.fullmatch(deleted) and _DIGITS_ONLY.fullmatch(inserted)
        if not (pure and (tail is not None or head is not None)):
            i = j
            continue
        lead = tail.group() if tail else ""
        trail = head.group() if head else ""
        if i > 0:
            out[i - 1][1] = before[: len(before) - len(lead)]
        if j < len(out):
            out[j][1] = after[len(trail) :]
        out[i:j] = [[DELETED, lead + deleted + trail], [INSERTED, lead + inserted + trail]]
        i += 2
    return [Op(kind, text) for kind, text in out if text or kind != KEPT]


def excerpt(ops: Sequence[Sequence[str]], context: int = 30, limit: int = 600) -> tuple[list[Op], bool]:
    """The ops with long unchanged stretches cut to ``context`` characters around edits, capped.

    Returns (ops, truncated): a digest shows this instead of whole answers.
    """
    out: list[Op] = []
    size = 0
    last = len(ops) - 1
    for i, (kind, text) in enumerate(ops):
        if kind == KEPT:
            if i == 0 and len(text) > context:
                text = "…" + text[-context:]
            elif i == last and len(text) > context:
                text = text[:context] + "…"
            elif 0 < i < last and len(text) > 2 * context:
                text = text[:context] + " … " + text[-context:]
        if size + len(text) > limit:
            room = max(limit - size, 0)
            if room:
                out.append(Op(kind, text[:room]))
            return out, True
        out.append(Op(kind, text))
        size += len(text)
    return out, False


def word_diff(ops: Iterable[Sequence[str]]) -> str:
    """Plain text in git's word-diff style: kept text as is, ``[-deleted-]``, ``{+inserted+}``."""
    return "".join(
        f"[-{text}-]" if kind == DELETED else f"{{+{text}+}}" if kind == INSERTED else text
        for kind, text in ops
    )


def number_changes(old: str, new: str) -> list[str]:
    """How the stated amounts, rates and years moved: ["3000元 → 4000元", "+ 2025年", "- 8%"].

    The KB's one number reader (``kb.normalize``), which conflict detection uses too; one item per
    occurrence, so a threshold changed in three places is listed three times.
    """
    return normalize.number_changes(old, new)


def summary_line(changes: Iterable[str]) -> str:
    """ "3000元 → 4000元 (×3); + 2025年": each distinct number change once, with its count."""
    counts = Counter(changes)
    return "; ".join(c + (f" (×{k})" if k > 1 else "") for c, k in counts.items())


@dataclass(frozen=True)
class TextDiff:
    """Two texts compared: the exact ops and the numbers that moved."""

    ops: list[Op]
    numbers: list[str]

    @property
    def changed(self) -> bool:
        return any(op.kind != KEPT for op in self.ops)

    @property
    def summary(self) -> str:
        return summary_line(self.numbers)

    def shown(self) -> list[Op]:
        """The ops for display (numbers whole: "[-3000元-]{+4000元+}")."""
        return widen_numbers(self.ops)

    def excerpt(self, context: int = 30, limit: int = 600) -> tuple[list[Op], bool]:
        """The shown ops around the edits only (see ``excerpt``)."""
        return excerpt(self.shown(), context, limit)


def compare(old: str, new: str) -> TextDiff:
    """``old`` → ``new`` as a ``TextDiff`` (character diff with semantic cleanup, numbers read)."""
    return TextDiff(char_diff(old, new), number_changes(old, new))
