"""Which Q&A pages one edition of the sample site has, and what each says (no markup here).

The portal: the five seed pages, one page per related card, and in edition 2 the hand-written additions
and a near-duplicate copy; the robots-disallowed page. The city site: two seeds and eight on-topic cards,
without portal noise, disclaimer or tip.
"""

from __future__ import annotations

import copy
from typing import Any

from sample_site.content import (
    CITY_CARD_DATES,
    CITY_CARDS,
    CITY_SEED_PUBLISHED,
    CITY_SEEDS,
    GONE_CARDS,
    NEAR_DUP_NEW,
    NEAR_DUP_OF,
    NEAR_DUP_OLD,
    NEAR_DUP_PUBLISHED,
    NEW_PAGES,
    NUMBER_NEW,
    NUMBER_OLD,
    PRIVATE_PAGE,
    S002_ADDED_PARAGRAPH,
    SEED_DATE_STYLE,
    SEED_PUBLISHED,
    UPDATED_E2,
)
from sample_site.model import Card, Edition, QAPage, card_key, collapse, h, slug
from sample_site.seeds import load_seeds

Seeds = dict[str, dict[str, Any]]


def seed_cards(seeds: Seeds) -> dict[str, list[Card]]:
    """Every seed's related cards as link targets, each with a page of its own on the portal."""
    out: dict[str, list[Card]] = {}
    for sid, seed in seeds.items():
        out[sid] = []
        for card in seed["cards"]:
            key = card_key(sid, card["title"])
            snippet = collapse(card["snippet"])
            path = f"/ask/{slug(key)}.html"
            out[sid].append(Card(key, card["title"], snippet, card["news_date"], path, card["on_topic"]))
    return out


class Related:
    """The 相关推荐 of a page: a window of its seed's live cards.

    Edition 2 rotates the window, reverses it and takes a different subset, so that the cards change on
    every page between editions (which must never make a version).
    """

    def __init__(self, cards: dict[str, list[Card]], edition: int) -> None:
        self.cards = cards
        self.e2 = edition == 2
        self.gone = {card_key(*c) for c in GONE_CARDS} if self.e2 else set()

    def live(self, sid: str) -> list[Card]:
        return [c for c in self.cards[sid] if c.key not in self.gone]

    def window(self, sid: str, exclude: str, start: int, count: int) -> list[Card]:
        pool = [c for c in self.live(sid) if c.key != exclude]
        if self.e2:
            start = start + 3 + h(exclude + "|rot", 7)
            count = count - 1
            pool = pool[::-1]
        start %= len(pool)
        window = pool[start:] + pool[:start]
        return window[:count]


def _replace_number(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        if "text" in block:
            block["text"] = block["text"].replace(NUMBER_OLD, NUMBER_NEW)
        if "items" in block:
            block["items"] = [i.replace(NUMBER_OLD, NUMBER_NEW) for i in block["items"]]
        if "rows" in block:
            block["rows"] = [[c.replace(NUMBER_OLD, NUMBER_NEW) for c in row] for row in block["rows"]]


def seed_page(seed: dict[str, Any], related: Related) -> QAPage:
    """A seed's own page; edition 2 makes its three real edits (number, paragraph, disclaimer)."""
    sid = seed["id"]
    page = QAPage(
        key=sid,
        seed=sid,
        site="portal",
        path=f"/ask/{seed['file'][4:20]}.html",
        question=seed["question"],
        blocks=copy.deepcopy(seed["blocks"]),
        disclaimer=seed["disclaimer"],
        tip=seed["tip"],
        chips=seed["chips"],
        published=SEED_PUBLISHED[sid],
        date_style=SEED_DATE_STYLE[sid],
        related=related.window(sid, sid, 0, 18) if related.e2 else related.window(sid, "", 0, 20),
        canonical=True,
    )
    if not related.e2:
        return page
    if sid == "s000":
        _replace_number(page.blocks)
        page.updated = UPDATED_E2
    if sid == "s002":
        at = next(i for i, b in enumerate(page.blocks) if b["type"] == "list") + 1
        page.blocks.insert(at, {"type": "paragraph", "text": S002_ADDED_PARAGRAPH})
        page.updated = UPDATED_E2
    if sid == "s004":
        page.disclaimer = None
        page.updated = UPDATED_E2
    return page


def card_pages(seeds: Seeds, related: Related) -> list[QAPage]:
    """One page per live related card: its snippet is the answer, its news date the date."""
    pages = []
    for sid, cards in related.cards.items():
        for i, card in enumerate(cards):
            if card.key in related.gone:
                continue
            pages.append(
                QAPage(
                    key=card.key,
                    seed=sid,
                    site="portal",
                    path=card.path,
                    question=card.title,
                    blocks=[{"type": "paragraph", "text": card.snippet}],
                    tip=seeds[sid]["tip"],
                    published=card.news_date,
                    on_topic=card.on_topic,
                    related=related.window(sid, card.key, i, 10),
                )
            )
    return pages


def hand_written_page(
    new: dict[str, Any], seeds: Seeds, path: str, related: list[Card], **fields: Any
) -> QAPage:
    """A page of ``content`` (edition 2's additions, the private page) with its seed's tip."""
    return QAPage(
        key=new["key"],
        seed=None,
        site="portal",
        path=path,
        question=new["question"],
        blocks=copy.deepcopy(new["blocks"]),
        tip=seeds[new["related_from"]]["tip"],
        published=new["published"],
        related=related,
        **fields,
    )


def added_pages(seeds: Seeds, related: Related) -> list[QAPage]:
    """Edition 2's two new pages."""
    return [
        hand_written_page(
            new, seeds, f"/ask/{slug(new['key'])}.html", related.window(new["related_from"], new["key"], 2, 12),
            date_style=("meta", "visible"), canonical=True,
        )
        for new in NEW_PAGES
    ]  # fmt: skip


def private_page(seeds: Seeds, related: Related) -> QAPage:
    """The page robots.txt disallows, linked from the portal home (a polite crawler never fetches it)."""
    return hand_written_page(
        PRIVATE_PAGE, seeds, f"/private/{slug(PRIVATE_PAGE['key'])}.html",
        related.window(PRIVATE_PAGE["related_from"], "private", 1, 10),
        date_style=("meta",), kind="robots_disallowed",
    )  # fmt: skip


def near_duplicate(seeds: Seeds, related: Related) -> QAPage:
    """A copy of a seed page at another URL with one sentence reworded (must be linked, not merged)."""
    orig = seeds[NEAR_DUP_OF]
    blocks = copy.deepcopy(orig["blocks"])
    hits = 0
    for block in blocks:
        if block["type"] == "paragraph" and NEAR_DUP_OLD in block["text"]:
            block["text"] = block["text"].replace(NEAR_DUP_OLD, NEAR_DUP_NEW)
            hits += 1
    assert hits == 1, "the near-duplicate sentence must occur once"
    return QAPage(
        key=NEAR_DUP_OF,
        seed=NEAR_DUP_OF,
        site="portal",
        path=f"/ask/{slug('copy-' + NEAR_DUP_OF)}.html",
        question=orig["question"],
        blocks=blocks,
        tip=orig["tip"],
        published=NEAR_DUP_PUBLISHED,
        date_style=("jsonld",),
        related=related.window(NEAR_DUP_OF, "copy", 5, 14),
    )


def city_pages(seeds: Seeds, cards: dict[str, list[Card]]) -> list[QAPage]:
    """The city site republishes two seeds and eight on-topic cards, without noise, disclaimer or tip."""
    pages = []
    for n, sid in enumerate(CITY_SEEDS):
        seed = seeds[sid]
        pages.append(
            QAPage(
                key=sid,
                seed=sid,
                site="city",
                path=f"/zcwd/t{CITY_SEED_PUBLISHED[sid].replace('-', '')}_{n + 1:06d}.html",
                question=seed["question"],
                blocks=copy.deepcopy(seed["blocks"]),
                published=CITY_SEED_PUBLISHED[sid],
            )
        )
    gone = {card_key(*g) for g in GONE_CARDS}
    for n, ((sid, title), date) in enumerate(zip(CITY_CARDS, CITY_CARD_DATES, strict=True)):
        key = card_key(sid, title)
        card = next(c for c in cards[sid] if c.key == key)
        assert card.on_topic and key not in gone
        pages.append(
            QAPage(
                key=key,
                seed=sid,
                site="city",
                path=f"/zcwd/t{date.replace('-', '')}_{n + 3:06d}.html",
                question=card.title,
                blocks=[{"type": "paragraph", "text": card.snippet}],
                published=date,
            )
        )
    return pages


def edition_pages(edition: int) -> Edition:
    """Every Q&A page of one edition."""
    seeds = {s["id"]: s for s in load_seeds()}
    cards = seed_cards(seeds)
    related = Related(cards, edition)
    portal = [seed_page(seed, related) for seed in seeds.values()] + card_pages(seeds, related)
    added = added_pages(seeds, related) + [near_duplicate(seeds, related)] if related.e2 else []
    return Edition(edition, portal, added, private_page(seeds, related), city_pages(seeds, cards))
