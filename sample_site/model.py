"""The words of the sample site: a related card, a Q&A page, the pages of one edition; stable hashing.

Deterministic on purpose: the generator never uses the clock or `random`, every "random" choice is a hash
of a stable key, so the committed site can be checked by regenerating it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def h(key: str, mod: int) -> int:
    """A stable pseudo-random number in [0, mod) for a key (the generator never uses `random`)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16) % mod


def slug(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def collapse(text: str) -> str:
    """Whitespace as a browser shows it: the card snippets of the dumps carry runs of spaces."""
    return " ".join(text.split())


def card_key(seed_id: str, title: str) -> str:
    """The entry key of a related card's own page."""
    return f"{seed_id}-{title}"


@dataclass
class Card:
    """A related-card target: one Q&A page of the portal."""

    key: str
    title: str
    snippet: str
    news_date: str | None
    path: str
    on_topic: bool = True


@dataclass
class QAPage:
    key: str  # entry key
    seed: str | None  # the seed it derives from (None: hand-written page)
    site: str
    path: str
    question: str
    blocks: list[dict[str, Any]]
    disclaimer: str | None = None
    tip: str | None = None
    chips: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    date_style: tuple[str, ...] = ()
    on_topic: bool = True
    kind: str = "qa"
    related: list[Card] = field(default_factory=list)
    canonical: bool = False


@dataclass
class Edition:
    """Every Q&A page of one edition, grouped as the listings, sitemaps and manifest need them."""

    number: int
    portal: list[QAPage]  # seed pages, then one page per live related card
    added: list[QAPage]  # edition 2 only: the two new pages, then the near-duplicate copy
    private: QAPage  # linked from the portal home, disallowed by robots.txt
    city: list[QAPage]

    @property
    def public(self) -> list[QAPage]:
        """The portal's listed Q&A pages, in listing order."""
        return self.portal + self.added
