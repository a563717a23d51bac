"""``kb.diff``: the one diff of the KB (the report, ``kb history`` and the editors' app draw it)."""

from __future__ import annotations

import json

from kb.diff import (
    Op,
    char_diff,
    compare,
    excerpt,
    new_text,
    number_changes,
    old_text,
    summary_line,
    widen_numbers,
    word_diff,
)


def test_compare_gives_ops_and_the_numbers_that_moved() -> None:
    old = "职工医保门诊费用超过3000元的部分,报销比例为50%。"
    new = "职工医保门诊费用超过4000元的部分,报销比例为60%。"
    d = compare(old, new)
    assert d.changed and old_text(d.ops) == old and new_text(d.ops) == new
    assert d.numbers == ["3000元 → 4000元", "50% → 60%"] and d.summary == "3000元 → 4000元; 50% → 60%"
    # For display the edited digits widen to whole numbers; the ops stay data, not markup.
    assert [op for op in d.shown() if op.kind != "="] == [
        Op("-", "3000元"),
        Op("+", "4000元"),
        Op("-", "50%"),
        Op("+", "60%"),
    ]
    assert word_diff(d.shown()) == "职工医保门诊费用超过[-3000元-]{+4000元+}的部分,报销比例为[-50%-]{+60%+}。"
    assert (
        json.dumps(d.ops[:1], ensure_ascii=False) == '[["=", "职工医保门诊费用超过"]]'
    )  # JSON: [kind, text]
    same = compare(old, old)
    assert not same.changed and same.numbers == [] and same.ops == [Op("=", old)]


def test_number_changes_and_chinese_diff() -> None:
    old, new = "起付线3000元,报销50%,2024年执行。", "起付线30000元,报销比例为60%,2025年执行,另有200元补贴。"
    assert number_changes(old, new) == ["3000元 → 30000元", "50% → 60%", "2024年 → 2025年", "+ 200元"]
    assert summary_line(["3000元 → 4000元"] * 3 + ["+ 2025年"]) == "3000元 → 4000元 (×3); + 2025年"
    diff = char_diff(old, new)
    assert old_text(diff) == old and new_text(diff) == new
    # For display, an edit inside a number shows the whole number (and still rebuilds both texts).
    for a, b, shown in (
        ("超过3000元的部分", "超过4000元的部分", [("-", "3000元"), ("+", "4000元")]),
        ("第1.5万元", "第2.5万元", [("-", "1.5万元"), ("+", "2.5万元")]),
        ("共3次", "共13次", [("-", "3次"), ("+", "13次")]),
    ):
        wide = widen_numbers(char_diff(a, b))
        assert [op for op in wide if op.kind != "="] == shown
        assert old_text(wide) == a and new_text(wide) == b
    assert widen_numbers(char_diff("请到窗口办理", "请到网上办理")) == char_diff(
        "请到窗口办理", "请到网上办理"
    )
    # Semantic cleanup: a rewritten clause is one deletion + one insertion, not shredded characters.
    rewrite = char_diff("请到医保局窗口办理。", "请登录国家医保服务平台在线办理。")
    assert sum(1 for op in rewrite if op.kind != "=") <= 2


def test_excerpt_keeps_the_edits_and_cuts_the_rest() -> None:
    old = "参保人员" * 100 + "起付线3000元。" + "按规定报销" * 100
    d = compare(old, old.replace("3000元", "4000元"))
    short, cut = d.excerpt(context=10)
    assert not cut and word_diff(short) == "…保人员参保人员起付线[-3000元-]{+4000元+}。按规定报销按规定报…"
    capped, cut = excerpt(d.shown(), context=10, limit=12)
    assert cut and sum(len(op.text) for op in capped) == 12
