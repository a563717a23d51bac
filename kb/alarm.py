"""The template-change alarm: does one site's share of a run look like a redesign or a broken extraction?

Real news changes a few answers of a site a night. A redesign (classes renamed, the answer wrapped anew,
folded behind "展开全文") or an extractor that broke changes many at once, moves their lengths together,
or stops answers coming at all. Such a run's versions are held back as *suspect* (``kb.suspect``) until
an editor accepts or rejects them. This module is the judgement alone: a pure function of the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

SHARE = 0.2  # more than this share of the site's entries changed in one run ...
MIN_ENTRIES = 5  # ... and more than this many (so a small site's one edit is never a redesign)
SHRINK, GROW = 0.5, 2.0  # median new/old answer length outside these, over more than MIN_ENTRIES changes
JUMP = 0.2  # the share of pages without an answer rose by more than this since the site's last crawl


@dataclass(frozen=True)
class SiteRun:
    """What one run did to one site, as the alarm needs it.

    ``lengths``: (old, new) answer length of each entry the run changed; ``seen``: the site's entries the
    run looked at (changed, unchanged or not modified); ``extracted``: pages it extracted; ``no_answer``:
    of those, on-topic ones without an answer; ``before``: the no-answer share of the site's previous
    crawl (None: no previous crawl, nothing to jump from).
    """

    site: str
    seen: int = 0
    lengths: list[tuple[int, int]] = field(default_factory=list)
    extracted: int = 0
    no_answer: int = 0
    before: float | None = None

    @property
    def no_answer_share(self) -> float:
        return self.no_answer / self.extracted if self.extracted else 0.0


def judge(run: SiteRun) -> str | None:
    """One line saying why this site's run looks like a template change, or None when it looks like news."""
    reasons = []
    changed = len(run.lengths)
    seen = max(run.seen, changed)
    if changed > MIN_ENTRIES and changed > SHARE * seen:
        reasons.append(f"{changed} of {seen} entries changed at once ({changed / seen:.0%})")
    if changed > MIN_ENTRIES:
        ratio = median(new / max(old, 1) for old, new in run.lengths)
        if ratio < SHRINK or ratio > GROW:
            way = "shrank" if ratio < 1 else "grew"
            reasons.append(f"answers {way} together (median length x{ratio:.2f} over {changed} changes)")
    if run.before is not None and run.no_answer > MIN_ENTRIES and run.no_answer_share - run.before > JUMP:
        reasons.append(
            f"{run.no_answer} of {run.extracted} pages yielded no answer"
            f" ({run.no_answer_share:.0%}, was {run.before:.0%})"
        )
    return "; ".join(reasons) or None
