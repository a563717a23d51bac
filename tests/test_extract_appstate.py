"""App state of any shape: the answer of a client-rendered page is found by what it is, not by key names.

Every page here is an empty shell (the browser would render it from the data) whose state names its
keys its own way, shapes of our own making: nested props, arrays of blocks, HTML strings, escaped
JSON inside a string, Nuxt 3's flat payload, ``JSON.parse("…")``, JSON-LD.
"""

from __future__ import annotations

import json

import pytest

from extract import extract_page

Q = "退休后医保个人账户每月返还多少钱"
PARAS = [
    "退休人员的医保个人账户由统筹基金按月定额划入,划入标准一般与当地基本养老金的一定比例挂钩。",
    "多数城市按照本人养老金的百分之二左右或者一个固定金额划入,具体标准每年由医保部门公布。",
]
ITEMS = ["北京按每月一百元左右划入", "上海按年龄段分档划入个人账户"]
HTML = "".join(f"<p>{p}</p>" for p in PARAS) + "<ul>" + "".join(f"<li>{i}</li>" for i in ITEMS) + "</ul>"
RELATED = [{"ttl": "医保个人账户可以取现吗是真的吗", "lnk": "/q/2.html", "snip": "个人账户资金一般不能取现。" * 8},
           {"ttl": "医保卡余额可以给家人用吗怎么办", "lnk": "/q/3.html", "snip": "可以通过家庭共济使用。" * 8}]  # fmt: skip


def _shell(scripts: str, title: str = f"{Q}_问医保") -> bytes:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{scripts}</head>'
            f'<body><div id="root"></div><noscript>请开启JavaScript</noscript></body></html>').encode()  # fmt: skip


def _js(name: str, data: object) -> str:
    return f"<script>window.{name} = {json.dumps(data, ensure_ascii=False)};</script>"


def _devalue() -> list:
    """Nuxt 3's payload: a flat array, objects point at entries by index."""
    return [["ShallowReactive", 1], {"data": 2}, {"qa-9": 3}, {"hd": 4, "rich": 5, "more": 6},
            Q, HTML, [7], {"ttl": 8, "lnk": 9}, RELATED[0]["ttl"], "/q/2.html"]  # fmt: skip


SHAPES = {
    "next-data-nested-props": '<script id="__NEXT_DATA__" type="application/json">'
    + json.dumps({"props": {"pageProps": {"dehydrated": {"queries": [
        {"key": ["qa", 17], "state": {"data": {"wt": Q, "zq7": HTML, "recs": RELATED}}}]}}},
        "page": "/q/[id]", "buildId": "x1"}, ensure_ascii=False) + "</script>",  # fmt: skip
    "initial-state-block-array": _js("__INITIAL_STATE__", {"doc": {"hdr": Q, "segs": [
        {"k": "p", "v": PARAS[0]}, {"k": "p", "v": PARAS[1]}, {"k": "ul", "v": ITEMS}]}, "side": RELATED}),
    "json-script-escaped-json-string": '<script type="application/json" id="srv-payload">'
    + json.dumps({"v": 3, "payload": json.dumps({"t": Q, "body": HTML}, ensure_ascii=False)}) + "</script>",
    "nuxt-plain": _js("__NUXT__", {"data": [{"item": {"name": Q, "detail": {"rendered": HTML}}}],
                                   "state": {"feed": RELATED}}),  # fmt: skip
    "nuxt3-devalue": '<script type="application/json" id="__NUXT_DATA__">' + json.dumps(_devalue(), ensure_ascii=False)
    + "</script>",
    "json-parse-call": '<script>window["__APP__"] = JSON.parse('
    + json.dumps(json.dumps({"cur": {"q_txt": Q, "a_html": HTML}}, ensure_ascii=False), ensure_ascii=False)
    + ");</script>",
    "jsonld-article": '<script type="application/ld+json">'
    + json.dumps({"@context": "https://schema.org", "@type": "Article", "headline": Q,
                  "articleBody": "\n".join(PARAS + ITEMS)}, ensure_ascii=False) + "</script>",
}  # fmt: skip


@pytest.mark.parametrize("shape", list(SHAPES))
def test_answer_recovered_from_app_state_of_any_shape(shape: str) -> None:
    page = extract_page(_shell(SHAPES[shape]), f"https://ask.example.cn/q/{shape}.html")
    assert page.page_type == "qa", (shape, page.no_answer)
    assert page.method == "appstate" and page.question == Q
    for text in PARAS + ITEMS:
        assert text in page.answer, (shape, page.answer)
    for card in RELATED:
        assert card["ttl"] not in page.answer and "取现" not in page.answer
    if shape not in ("jsonld-article", "initial-state-block-array"):
        assert "- 北京按每月一百元左右划入" in page.answer  # HTML lists through the DOM's own renderer
    assert page.confidence > 0.5


def test_app_state_question_without_a_title_is_the_longest_question() -> None:
    """No <title>: the question is the longest question-like string, the answer the richest value beside it."""
    state = {"x": {"a1": "热门", "a2": Q, "a3": HTML, "a4": "2024-01-02"}}
    page = extract_page(_shell(_js("__STATE__", state), title=""), "https://ask.example.cn/q/9.html")
    assert page.question == Q and PARAS[0] in page.answer


def test_disclaimer_in_the_app_state_of_a_shell() -> None:
    state = {"qa": {"title": Q, "content": HTML, "note": "以上内容仅供参考,具体请以当地医保局官网核实为准。"}}
    page = extract_page(_shell(_js("__INITIAL_STATE__", state)), "https://ask.example.cn/q/10.html")
    assert page.method == "appstate" and page.has_verification_disclaimer
    assert "仅供参考" not in page.answer


def test_a_shell_with_nothing_findable_says_so() -> None:
    page = extract_page(_shell(_js("__STATE__", {"user": {"id": 3}, "flags": ["a"]})), "https://ask.example.cn/q/11.html")
    assert page.answer == "" and page.method == "none" and page.confidence == 0.0
    assert page.no_answer == "no answer text found"


def test_confidence_is_high_for_an_article_and_low_for_what_only_looks_like_an_answer() -> None:
    def page(body: str) -> bytes:
        return f"<html><head><title>{Q}</title></head><body><h1>{Q}</h1>{body}</body></html>".encode()

    article = extract_page(page(HTML + HTML.replace("一般", "通常")), "https://ask.example.cn/q/20.html")
    assert article.method == "main" and article.confidence >= 0.9
    shell = extract_page(_shell(SHAPES["nuxt-plain"]), "https://ask.example.cn/q/21.html")
    assert 0.5 < shell.confidence < article.confidence  # app state: found, but less sure than the DOM
    lines = "<ul>" + "".join(f"<li>{t}</li>" for t in ("春季养生小妙招", "秋季饮食要清淡", "儿童疫苗接种表", "口腔护理常识", "睡眠质量改善法")) + "</ul>"
    listy = extract_page(page(lines), "https://ask.example.cn/q/22.html")
    assert listy.answer and listy.confidence < 0.5  # short lines that share no word with the question
