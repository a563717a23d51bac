"""The manifest of one edition: the ground truth the tests, the demo and the benchmarks read.

Every file's site, path and kind; for each Q&A page what an extractor should find (question, answer,
disclaimer, tip, dates, topic); for edition 2 the list of real changes, which change detection must turn
into versions (and nothing else: rotated cards and counters change on every page).
"""

from __future__ import annotations

from typing import Any

from sample_site.content import (
    GONE_CARDS,
    NEAR_DUP_NEW,
    NEAR_DUP_OF,
    NEAR_DUP_OLD,
    NUMBER_NEW,
    NUMBER_OLD,
    S002_ADDED_PARAGRAPH,
    TRACKING_CARD,
    TRACKING_QUERY,
)
from sample_site.model import Edition, QAPage, card_key, slug
from sample_site.seeds import answer_text, load_seeds


def qa_entry(page: QAPage) -> dict[str, Any]:
    return {
        "site": page.site,
        "path": page.path,
        "kind": page.kind,
        "seed": page.seed,
        "entry_key": page.key,
        "question": page.question,
        "answer": answer_text(page.blocks),
        "answer_blocks": page.blocks,
        "has_verification_disclaimer": page.disclaimer is not None,
        "has_medical_tip": page.tip is not None,
        "published": page.published,
        "updated": page.updated,
        "is_medical_insurance": page.on_topic,
        "flags": ["needs_verification"] if page.disclaimer else [],
    }


def other_entry(site: str, path: str, kind: str) -> dict[str, Any]:
    return {"site": site, "path": path, "kind": kind}


def changes(edition: Edition) -> dict[str, Any]:
    """What edition 2 changed on purpose, page by page."""
    path_of = {p.key: p.path for p in edition.portal}
    removed = next(s for s in load_seeds() if s["id"] == "s004")["disclaimer"]
    new_pages, copy = edition.added[:2], edition.added[2]
    return {
        "changed": [
            {
                "site": "portal",
                "path": path_of["s000"],
                "entry_key": "s000",
                "what": "number",
                "old": NUMBER_OLD,
                "new": NUMBER_NEW,
            },
            {
                "site": "portal",
                "path": path_of["s002"],
                "entry_key": "s002",
                "what": "paragraph",
                "added": S002_ADDED_PARAGRAPH,
            },
            {
                "site": "portal",
                "path": path_of["s004"],
                "entry_key": "s004",
                "what": "disclaimer",
                "removed": removed,
            },
        ],
        "gone": [
            {"site": "portal", "path": f"/ask/{slug(card_key(*g))}.html", "entry_key": card_key(*g)}
            for g in GONE_CARDS
        ],
        "added": [{"site": "portal", "path": p.path, "entry_key": p.key} for p in new_pages],
        "tracking_url": {
            "site": "portal",
            "path": path_of[card_key(*TRACKING_CARD)],
            "query": TRACKING_QUERY,
        },
        "near_duplicate": {
            "site": "portal",
            "path": copy.path,
            "copy_of": {"site": "portal", "path": path_of[NEAR_DUP_OF]},
            "old_sentence": NEAR_DUP_OLD,
            "new_sentence": NEAR_DUP_NEW,
        },
        "noise": "every page: related cards / sidebar rotated and counters changed (no version)",
    }
