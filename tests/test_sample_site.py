"""The bundled sample site: seeds, generated editions, and the live server."""

from __future__ import annotations

from sample_site.seeds import answer_text, load_seeds


def test_seeds_shape() -> None:
    seeds = load_seeds()
    assert [s["id"] for s in seeds] == ["s000", "s001", "s002", "s003", "s004"]
    assert sum(len(s["cards"]) for s in seeds) == 100
    assert {s["id"] for s in seeds if s["disclaimer"]} == {"s000", "s003", "s004"}
    for seed in seeds:
        assert seed["tip"].startswith("提示:本内容不能代替面诊")
        assert seed["blocks"] and all(
            b["type"] in {"paragraph", "heading", "list", "table"} for b in seed["blocks"]
        )
        on_topic = [c for c in seed["cards"] if c["on_topic"]]
        assert 0 < len(on_topic) < len(seed["cards"])  # every seed mixes on- and off-topic cards
        for card in seed["cards"]:
            assert card["title"] and len(card["snippet"]) > 50
            assert "首页 顶部" not in card["snippet"]


def test_seed_table_split_by_hand() -> None:
    table = next(b for b in load_seeds()[0]["blocks"] if b["type"] == "table")
    assert table["rows"][0] == ["对比维度", "一级账户", "二级账户"]
    assert [row[0] for row in table["rows"][1:]] == ["资金来源", "使用范围", "记账规则"]
    assert all(len(row) == 3 for row in table["rows"])


def test_answer_text_rendering() -> None:
    blocks = [
        {"type": "paragraph", "text": "甲"},
        {"type": "heading", "text": "1. 乙", "level": 3},
        {"type": "list", "ordered": False, "items": ["a", "b"]},
        {"type": "list", "ordered": True, "items": ["c", "d"]},
        {"type": "table", "rows": [["h1", "h2"], ["x", "y"]]},
    ]
    assert answer_text(blocks) == (
        "甲\n\n1. 乙\n\n- a\n- b\n\n1. c\n2. d\n\n| h1 | h2 |\n| --- | --- |\n| x | y |"
    )
