"""What the extractor returns: the contract between extraction, ingest and ``kb extract``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ExtractedPage:
    """One page, as the extractor understood it.

    ``answer`` is plain text: paragraphs separated by a blank line, list items as ``- ``
    (or ``1. ``), tables as Markdown pipe tables. ``answer_blocks`` carries the same
    content as typed blocks: ``{"type": "paragraph"|"heading"|"list"|"table", ...}``
    (``text``; ``level`` for headings; ``ordered`` + ``items`` for lists; ``rows`` for
    tables, first row the header).
    """

    url: str
    question: str = ""
    answer: str = ""
    answer_blocks: list[dict[str, Any]] = field(default_factory=list)
    canonical_url: str | None = None
    has_verification_disclaimer: bool = False
    disclaimer: str | None = None
    has_medical_tip: bool = False
    medical_tip: str | None = None
    published: str | None = None  # YYYY-MM-DD
    updated: str | None = None  # YYYY-MM-DD
    is_medical_insurance: bool = False
    topic: dict[str, Any] = field(
        default_factory=dict
    )  # {"score", "threshold", "terms": [[term, weight, count]]}
    related: list[dict[str, str]] = field(default_factory=list)  # [{"title", "url"}], absolute URLs
    page_type: str = "qa"  # "qa" | "listing" | "other"
    no_answer: str | None = None  # why there is no answer, when there is none
    note: str | None = None  # what was done to the answer, e.g. "answer cut at 50 000 characters"
    method: str = "none"  # how the answer was found: "main" | "appstate" | "fallback" | "none"
    confidence: float = 0.0  # 0..1: how sure the extractor is that ``answer`` is the page's answer
    encoding: str | None = None
    lang: str | None = None
    extractor_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractedPage:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
