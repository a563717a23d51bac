"""Normalization before hashing: width, whitespace, boilerplate, counters and stamps are never
content; numbers are."""

from __future__ import annotations

import pytest

from kb.normalize import content_hash, normalize, number_changes, numbers, years
from tests.test_kb_helpers import seed

Q, A, _ = seed(0)


@pytest.mark.parametrize(
    "variant",
    [
        A.replace(",", ",").replace(":", ":").replace("(", "(").replace(")", ")"),  # full width
        A.replace("3000", "３０００"),  # full-width digits
        "  " + A.replace("\n\n", "\n\n\n").replace("。", "。 ") + "\n",  # whitespace
        "阅读 12,345  点赞 67\n" + A + "\n1.2万人看过",  # counters
        "发布时间:2025-03-01 10:20\n" + A + "\n更新于 2025年6月2日",  # stamps
        "本信息整理自互联网公开渠道,仅供参考,可能存在不准确或滞后之处。为确保准确性,请务必通过当地医保局官网核实。\n"
        + A
        + "\n提示:本内容不能代替面诊,如有不适请及时就医。",  # boilerplate the extractor missed
    ],
)
def test_page_noise_never_changes_the_hash(variant: str) -> None:
    assert content_hash(Q, variant) == content_hash(Q, A)


@pytest.mark.parametrize(
    "notice",
    [
        "以上信息来源于网络,仅供参考,办理前请向当地医保经办机构咨询核实。",  # another site's disclaimer
        "温馨提示:本文不能替代专业医疗建议,如有不适请及时就医。",  # another site's medical tip
        "人民网 2024-05-01",  # a related card's dateline, any source
    ],
    ids=["disclaimer", "tip", "card-dateline"],
)
def test_any_sites_notice_lines_stay_out_of_the_hash(notice: str) -> None:
    """Recognised by what they say (the extractor's rules), not by one site's wording."""
    assert content_hash(Q, A + "\n\n" + notice) == content_hash(Q, A)
    assert content_hash(Q, notice + "\n" + A) == content_hash(Q, A)


def test_figures_beside_a_notice_are_still_content() -> None:
    """Only a whole paragraph line can be a notice: a table row or list item keeps its figures."""
    for line in (
        "| 报销比例 | 50%,仅供参考,请咨询当地医保局核实 |",
        "- 报销比例50%,仅供参考,请咨询当地医保局核实",
    ):
        assert content_hash(Q, A + "\n\n" + line) != content_hash(Q, A + "\n\n" + line.replace("50%", "60%"))
    question = "医保报销比例仅供参考吗?去哪里核实?"  # a question is never read as a notice
    assert normalize(question) == question


def test_content_changes_change_the_hash() -> None:
    assert content_hash(Q, A.replace("3000元", "4000元")) != content_hash(Q, A)
    assert content_hash(Q, A + "\n\n新增一段说明。") != content_hash(Q, A)
    assert content_hash(Q, A, disclaimer=True) != content_hash(Q, A)  # dropping the disclaimer is news


def test_paragraphs_survive_and_cjk_spacing_does_not() -> None:
    assert normalize("医保 卡 的 余额\n\n\n第二 段") == "医保卡的余额\n第二段"
    assert normalize("ＡＢＣ　１２３") == "ABC 123"


def test_numbers() -> None:
    text = (
        "2024年起，个人账户3,000元以下部分按８％计入，超过１.５万元的按百分之五十；年龄55岁，2023年度标准。"
    )
    assert numbers(text) == ["2024年", "3000元", "8%", "1.5万元", "百分之五十", "2023年"]
    assert years(text) == [2024, 2023]
    assert numbers("医保卡号12345678，电话12345") == []


def test_number_changes() -> None:
    assert number_changes("门槛3000元,比例8%", "门槛4000元,比例8%") == ["3000元 → 4000元"]
    assert number_changes("2024年标准400元", "2025年标准420元,另加30元") == [
        "2024年 → 2025年",
        "400元 → 420元",
        "+ 30元",
    ]
    assert number_changes(A, A) == []
