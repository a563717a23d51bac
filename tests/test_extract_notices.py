"""The disclaimer and the medical tip are found wherever the page puts them, and kept out of the answer.

Pages of a news-style template none of the rules was written for: the notice sits in a box of its own
outside the answer's container (a statement bar above the article, a note under it, a side box), or in
the app state; a site-wide footer that says 仅供参考 beside its copyright line is not a disclaimer.
"""

from __future__ import annotations

import json

import pytest

from extract import extract_page

QUESTION = "灵活就业人员医保断缴三个月怎么办"
ARTICLE = [
    "灵活就业人员医保断缴后,一般在三个月内补缴即可恢复待遇,超过三个月的需要重新计算等待期。",
    "补缴可以通过当地医保经办机构窗口、国家医保服务平台App或者支付宝、微信的城市服务办理。",
    "补缴时需要携带身份证,按断缴月份的缴费基数补齐单位和个人部分,部分城市还要缴纳滞纳金。",
    "断缴期间发生的医疗费用,统筹基金一般不予支付,补缴后也不能追溯报销,所以要尽量避免断缴。",
    "如果已经换了工作由单位参保,新单位会从入职当月开始缴费,原来的缴费年限可以累计计算。",
]
DISCLAIMER = "本文内容整理自互联网公开渠道,仅供参考,请以当地医保局官网公布的信息为准并及时核实。"
TIP = "温馨提示:本内容不能代替面诊,如有不适请及时就医,用药请遵医嘱。"
FOOTER_NOTE = "本站信息仅供参考,请以官方发布为准"


def _page(before: str = "", after: str = "", side: str = "", footer: str = "", head: str = "") -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE)
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>{QUESTION}_健康头条网</title>{head}</head>
<body>
<div class="k3x"><a href="/">健康头条网</a> <a href="/news/">资讯</a> <a href="/ask/">问答</a></div>
<div class="w9q">
  <div class="m2z">
    {before}
    <h1>{QUESTION}</h1>
    <div class="t7p">2024-05-06 10:20 来源:健康头条网</div>
    <div class="c4r">{paras}</div>
    {after}
    <h3>相关新闻</h3>
    <ul class="r5s">
      <li><a href="/n/1.html">职工医保个人账户可以给家人用吗</a></li>
      <li><a href="/n/2.html">异地就医直接结算需要备案吗</a></li>
      <li><a href="/n/3.html">新生儿出生后多久可以办理医保</a></li>
    </ul>
  </div>
  {side}
</div>
{footer}
</body></html>"""
    return html.encode("utf-8")


def _check_answer_clean(page) -> None:
    assert page.page_type == "qa", page.no_answer
    assert page.question == QUESTION
    for p in ARTICLE:
        assert p in page.answer
    assert "仅供参考" not in page.answer and "面诊" not in page.answer


@pytest.mark.parametrize(
    "where",
    [
        {"before": f'<div class="s8u"><span>声明:</span>{DISCLAIMER}</div>'},  # a statement bar above the title
        {"after": f'<div class="b1n"><p>{DISCLAIMER}</p></div>'},  # a note box under the article
        {"side": f'<aside class="v6d"><h4>免责声明</h4><p>{DISCLAIMER}</p></aside>'},  # a side box
        {"side": f'<div class="v6d"><div class="y0e"><b>说明</b><p>{DISCLAIMER}</p></div></div>'},
    ],
    ids=["statement-bar-above", "note-below", "aside-box", "side-div-box"],
)
def test_disclaimer_outside_the_answer_is_found_and_kept_out(where: dict[str, str]) -> None:
    page = extract_page(_page(**where), "https://news.example.cn/a/1.html")
    _check_answer_clean(page)
    assert page.has_verification_disclaimer, where
    assert "仅供参考" in (page.disclaimer or "")


def test_tip_in_a_note_box_is_found_and_kept_out() -> None:
    page = extract_page(_page(after=f'<div class="b1n">{TIP}</div>'), "https://news.example.cn/a/2.html")
    _check_answer_clean(page)
    assert page.has_medical_tip and "不能代替面诊" in (page.medical_tip or "")
    assert not page.has_verification_disclaimer


@pytest.mark.parametrize(
    "footer",
    [
        f"<footer><p>{FOOTER_NOTE}</p><p>Copyright © 2024 健康头条网 版权所有 京ICP备12345678号</p></footer>",
        f'<div class="q1w"><p>关于我们 | 联系我们</p><p>{FOOTER_NOTE}</p><p>京ICP备12345678号-1</p></div>',
        f'<div class="q1w">© 2024 健康头条网 {FOOTER_NOTE} 京公网安备11010502030000号</div>',
    ],
    ids=["footer-tag", "div-beside-icp-line", "one-copyright-line"],
)
def test_a_site_footer_saying_for_reference_only_is_no_disclaimer(footer: str) -> None:
    page = extract_page(_page(footer=footer), "https://news.example.cn/a/3.html")
    _check_answer_clean(page)
    assert not page.has_verification_disclaimer, page.disclaimer


def test_a_related_card_quoting_a_disclaimer_is_not_this_pages() -> None:
    card = (
        '<div class="v6d"><div class="g2h"><a href="/n/9.html">医保断缴后补缴需要哪些材料</a>'
        f"<p>{DISCLAIMER}</p></div></div>"
    )
    page = extract_page(_page(side=card), "https://news.example.cn/a/4.html")
    _check_answer_clean(page)
    assert not page.has_verification_disclaimer


def test_no_notice_anywhere_means_no_flag() -> None:
    page = extract_page(_page(), "https://news.example.cn/a/5.html")
    _check_answer_clean(page)
    assert not page.has_verification_disclaimer and not page.has_medical_tip


def test_disclaimer_in_the_app_state_beside_the_answer() -> None:
    """A server-rendered article whose app state also carries the notice (not shown in the DOM)."""
    state = {"article": {"title": QUESTION, "content": "".join(f"<p>{p}</p>" for p in ARTICLE),
                         "notice": DISCLAIMER, "author": "健康头条网"}}  # fmt: skip
    head = f'<script>window.__INITIAL_STATE__ = {json.dumps(state, ensure_ascii=False)};</script>'
    page = extract_page(_page(head=head), "https://news.example.cn/a/6.html")
    _check_answer_clean(page)
    assert page.has_verification_disclaimer and "仅供参考" in (page.disclaimer or "")
