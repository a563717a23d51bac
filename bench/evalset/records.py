"""What each eval-set page says: the seeds' answers, and three related cards as pages, per template.

A record is a page before markup: question, answer blocks, disclaimer and tip (varied in wording from
template to template, sometimes absent), dates, related cards and chips, topic. Deterministic: every
choice comes from a ``random.Random`` seeded by the template's name.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sample_site.seeds import load_seeds

DISCLAIMERS = [
    None,  # the seed's own text
    "声明:以上内容来源于网络公开资料,仅供参考,具体政策请以当地医保部门官方发布为准。",
    "【免责声明】本文信息整理自互联网,可能存在滞后,仅供参考,办理前请向当地医疗保障局或拨打12393核实。",
    "温馨提醒:本页内容不构成办理依据,请以国家医保服务平台及当地医保局公告为准。",
]
TIPS = [
    None,  # the seed's own text
    "温馨提示:本文内容不能替代医生面诊,如有身体不适请及时就医。",
    "医疗提示:文中涉及的医学内容仅供参考,不可作为诊断依据,用药请遵医嘱。",
]
# Templates whose even pages carry an update date, and the one that shows only an update date.
UPDATED_EVERY_OTHER = ("news", "wechat")
UPDATED_ONLY = "baike"

Seed = dict[str, Any]
Card = dict[str, Any]


def picked_cards(template: str, cards: list[tuple[Seed, int, Card]]) -> list[tuple[Seed, int, Card]]:
    """Three related cards to render as pages, at least one off topic (the topic classifier must reject it)."""
    rng = random.Random(f"evalset-{template}")
    picks = rng.sample(range(len(cards)), 3)
    if all(cards[i][2]["on_topic"] for i in picks):
        picks[0] = next(i for i in rng.sample(range(len(cards)), len(cards)) if not cards[i][2]["on_topic"])
    return [cards[i] for i in picks]


def related_cards(seed: Seed, question: str, base: date) -> list[dict[str, Any]]:
    """The seed's other cards, as every template's cards and sidebars draw on them."""
    others = [c for c in seed["cards"] if c["title"] != question]
    return [
        {
            "id": hashlib.sha1(c["title"].encode()).hexdigest()[:10],
            "title": c["title"],
            "snippet": c["snippet"].strip(),
            "date": (base - timedelta(days=100 + 13 * j)).isoformat(),
        }
        for j, c in enumerate(others)
    ]


def record(template: str, t_index: int, k: int, seed: Seed, card: Card | None) -> dict[str, Any]:
    """Page ``k`` of a template: a seed's own answer, or (card given) a related card's snippet."""
    base = date(2023, 3, 1) + timedelta(days=37 * k + 11 * t_index)
    if card is None:
        question, blocks = seed["question"], seed["blocks"]
        has_dis, on_topic = seed["disclaimer"] is not None, True
    else:
        question, blocks = card["title"], [{"type": "paragraph", "text": card["snippet"].strip()}]
        has_dis, on_topic = False, card["on_topic"]
    variant = k + t_index
    disclaimer = (DISCLAIMERS[variant % len(DISCLAIMERS)] or seed["disclaimer"]) if has_dis else None
    tip = (TIPS[variant % len(TIPS)] or seed["tip"]) if variant % 3 != 2 else None
    others = [c for c in seed["cards"] if c["title"] != question]
    updated = base + timedelta(days=20) if template in UPDATED_EVERY_OTHER and k % 2 == 0 else None
    if template == UPDATED_ONLY:
        updated = base + timedelta(days=45)
    return {
        "id": f"{template}-{k:02d}",
        "template": template,
        "k": k,
        "question": question,
        "blocks": blocks,
        "disclaimer": disclaimer,
        "tip": tip,
        "published": base,
        "updated": updated,
        "related": related_cards(seed, question, base),
        "chips": seed["chips"] or [c["title"][:8] for c in others[:5]],
        "on_topic": on_topic,
    }


def records(templates: Iterable[str]) -> list[dict[str, Any]]:
    """The pages to render: every seed, plus three related cards as pages, per template."""
    seeds = load_seeds()
    cards = [(s, i, c) for s in seeds for i, c in enumerate(s["cards"])]
    out = []
    for t_index, template in enumerate(templates):
        items: list[tuple[Seed, Card | None]] = [(s, None) for s in seeds]
        items += [(seed, card) for seed, _i, card in picked_cards(template, cards)]
        out += [record(template, t_index, k, seed, card) for k, (seed, card) in enumerate(items)]
    return out
