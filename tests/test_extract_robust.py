"""extract_page never raises and stays bounded in time, whatever the bytes, and does so by working.

Its last-resort ``no_answer="extractor error: …"`` page is for bugs, not for odd input: every page
here must come out of the rules themselves, and the odd-but-real ones with their real answer.
"""

from __future__ import annotations

import codecs
import json
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import ExtractedPage, extract_page, garbage_reason
from extract.core import MAX_ANSWER_CHARS

TAGS = ["div", "p", "h1", "h3", "ul", "li", "a", "table", "tr", "td", "span", "script", "section", "br"]
WORDS = ["医保", "报销", "相关推荐", "大家都在搜", "仅供参考", "请以官方公告为准", "不能代替面诊", "发布时间:2024-01-02",
         "<", ">", "&amp;", "\x00", "\ufeff", "ICP备", "评论", "1.", "- ", "|"]  # fmt: skip


def _check(page: ExtractedPage) -> None:
    assert isinstance(page, ExtractedPage)
    assert not (page.no_answer or "").startswith("extractor error"), page.no_answer
    assert page.page_type in ("qa", "listing", "other")
    assert isinstance(page.answer, str) and isinstance(page.question, str)
    assert page.page_type == "qa" or page.no_answer
    assert page.published is None or len(page.published) == 10
    for link in page.related:
        assert set(link) == {"title", "url"}
    assert not _controls(page), _controls(page)


def _controls(page: ExtractedPage) -> list[str]:
    """Every text of the page that still holds a control character (newline and tab are fine)."""
    texts = [page.question, page.answer, page.disclaimer or "", page.medical_tip or ""]
    texts += [t for r in page.related for t in (r["title"], r["url"])] + [page.canonical_url or ""]
    for b in page.answer_blocks:
        texts += [b.get("text", "")] + b.get("items", []) + [c for row in b.get("rows", []) for c in row]
    return [t for t in texts if any(ord(ch) < 32 and ch not in "\n\t" or 0x7F <= ord(ch) <= 0x9F for ch in t)]


@st.composite
def html_soup(draw) -> bytes:
    """Random, often broken, tag soup with the words the extractor reacts to."""
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 4))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            attrs = draw(
                st.sampled_from(
                    ["", ' href="/q/1.html"', ' href="javascript:;"', ' class="x"', ' href="http://[::1"']
                )
            )
            parts.append(f"<{tag}{attrs}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(WORDS)))
        else:
            parts.append(draw(st.text(max_size=30)))
    text = "".join(parts)
    encoding = draw(st.sampled_from(["utf-8", "gb18030", "utf-16", "latin-1"]))
    prefix = draw(
        st.sampled_from(
            [b"", b"\xef\xbb\xbf", b'<meta charset="utf-8">', b'<?xml version="1.0" encoding="gbk"?>']
        )
    )
    return prefix + text.encode(encoding, errors="replace")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=3000), url=st.text(max_size=40), ctype=st.one_of(st.none(), st.text(max_size=40))
)
def test_random_bytes_never_raise(body: bytes, url: str, ctype: str | None) -> None:
    _check(extract_page(body, url, ctype))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=html_soup())
def test_tag_soup_never_raises(body: bytes) -> None:
    _check(extract_page(body, "http://127.0.0.1/q/0.html", "text/html"))


def test_huge_and_deep_pages_stay_bounded() -> None:
    cases = [
        b"<html><body>" + b"<div>" * 50_000 + "医保".encode() * 10 + b"</div>" * 50_000,
        b"<html><body>" + b"<table><tr><td>" * 3000 + b"x",
        b"<html><head><title>T</title></head><body><h1>T</h1>"
        + ("<p>" + "医保报销比例是多少" * 30 + "</p>").encode() * 4000
        + b"</body></html>",  # 3.3 MB: cut at MAX_BYTES, still answered
        b"<html><body>"
        + b"".join(
            b'<li><a href="/q/%d.html">question number %d here</a></li>' % (i, i) for i in range(20_000)
        )
        + b"</body></html>",
        b'<html><head><script type="application/ld+json">' + b"[" * 100_000 + b"</script></head></html>",
        b"<html><head><script>window.__INITIAL_STATE__="
        + b'{"a":' * 5000
        + b"1"
        + b"}" * 5000
        + b";</script>",
    ]
    for body in cases:
        start = time.perf_counter()
        page = extract_page(body, "http://127.0.0.1/x")
        assert time.perf_counter() - start < 10
        _check(page)
    huge = extract_page(cases[2], "http://127.0.0.1/x")
    assert (huge.page_type, huge.question) == ("qa", "T")
    assert huge.answer.startswith("医保报销比例是多少" * 30 + "\n\n") and MAX_ANSWER_CHARS - 100 < len(huge.answer) <= MAX_ANSWER_CHARS
    assert huge.note == "answer cut at 50 000 characters"  # the page went on for a million more
    many = extract_page(cases[3], "http://127.0.0.1/x")
    assert many.page_type == "listing"
    assert len(many.related) == 20_000 and many.related[7]["url"] == "http://127.0.0.1/q/7.html"


def test_garbage_bodies_have_no_answer_and_pages_do() -> None:
    """One rule for the crawl (a garbage 200 is a fault of the fetch) and ``kb extract`` (no answer)."""
    page = "<html><body><h1>职工医保报销比例是多少?</h1><p>职工医保在一级医院报销90%。</p></body></html>"
    assert garbage_reason(b"  \n") == "empty_body"
    assert garbage_reason(bytes(range(256)) * 40) == "binary"
    assert garbage_reason(b"<html>" + b"\x1b" * 200 + b"x" * 8000) == "binary"  # > 1% control bytes
    assert garbage_reason(page.encode("gbk")) is None
    assert garbage_reason(codecs.BOM_UTF16_LE + page.encode("utf-16-le")) is None  # its NULs are encoding
    assert garbage_reason(page.encode("utf-16-le")) == "binary"  # no BOM: nothing says so
    elf = Path(sys.executable).resolve().read_bytes()[:200_000]
    for body in (elf, bytes(range(256)) * 40):
        binary = extract_page(body, "file:///bin/x", "text/html")
        assert binary.answer == "" and binary.answer_blocks == [] and binary.question == ""
        assert binary.page_type == "other" and binary.no_answer == "binary body: not a text page"
    assert extract_page(b" \n", "file:///x").no_answer == "empty body"


Q, A = "异地就医怎么备案", "参保人员可以通过国家医保服务平台办理异地就医备案，备案后在就医地直接结算。"
PAGE = f"<html><head><title>{Q}</title></head><body><h1>{Q}</h1><p>{A}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (("\ufeff" + PAGE).encode("utf-16-le"), None),  # UTF-16 behind its BOM
        (f'<?xml version="1.0" encoding="gbk"?>\n{PAGE}'.encode("gbk"), None),
        (f"<h1>{Q}</h1><p>{A}</p>".encode(), None),  # a fragment: no html, head or body
        (f"<html><head><title>{Q}</title><body><h1>{Q}<p>{A}".encode(), None),  # nothing closed
        (PAGE.replace("<p>", "</div></span></div><p>").encode(), None),  # stray end tags
        (PAGE.replace("<p>", "\r\n\t<p>").encode(), None),
        (PAGE.replace("备案后", "备案<!-- note -->后").encode(), None),
        (PAGE.encode(), "text/plain; charset=utf-8"),  # served as text
    ],
    ids=["utf16-bom", "gbk-xml-decl", "fragment", "unclosed", "stray-end-tags", "crlf-tabs", "comment", "text-plain"],
)
def test_odd_but_real_pages_give_their_answer(body: bytes, content_type: str | None) -> None:
    page = extract_page(body, "http://127.0.0.1/q/1.html", content_type)
    assert (page.page_type, page.no_answer) == ("qa", None)
    assert (page.question, page.answer) == (Q, A)


ESC = "\x1b[31m"  # a colour escape
TITLE_SET = "\x1b]0;pwned\x07"  # sets the terminal's title, ends with BEL
CSI = "\x9b2J"  # C1 CSI: clear screen


def test_terminal_escapes_never_survive_extraction() -> None:
    """ESC / BEL / C1 sequences anywhere a page puts text: question, answer blocks, notices, related,
    and JSON app state whose strings decode to escapes (issue 12.9)."""
    para = "参保人员在定点医疗机构住院发生的符合规定的医疗费用,由统筹基金按比例支付。" * 20  # controls stay under 1% of the head
    html = f"""<html><head><title>医保报销{ESC}比例是多少{TITLE_SET}</title></head><body>
    <h1>医保报销{ESC}比例是多少{TITLE_SET}</h1>
    <p>职工医保住院报销比例一般在{TITLE_SET}百分之八十左右,{CSI}具体看当地政策。</p><p>{para}</p>
    <ul><li>门诊{ESC}报销</li><li>住院报销\x07</li></ul>
    <table><tr><th>类别</th><th>比例</th></tr><tr><td>职工{ESC}</td><td>80%\x7f</td></tr></table>
    <p>提示:本内容不能代替面诊{ESC},请遵医嘱。</p>
    <p>本文仅供参考{CSI},请以当地医保局官网核实为准。</p>
    <h3>相关推荐</h3><ul><li><a href="/q/1.html">异地就医{ESC}怎么报销医保</a></li>
    <li><a href="/q/2.html">医保卡丢了{TITLE_SET}怎么补办</a></li><li><a href="/q/3.html">新生儿医保怎么办理呢</a></li></ul>
    </body></html>"""
    page = extract_page(html.encode("utf-8"), "http://127.0.0.1/q/0.html")
    _check(page)
    assert page.question == "医保报销[31m比例是多少]0;pwned"  # the escape's bytes go, its printable rest stays
    assert "百分之八十左右,2J具体看当地政策" in page.answer
    assert page.has_medical_tip and page.has_verification_disclaimer
    assert any("异地就医" in r["title"] for r in page.related)

    shell = json.dumps({"props": {"pageProps": {"question": "医保报销比例是多少",
                        "answer": f"<p>职工医保住院报销比例{ESC}一般在百分之八十左右。</p><p>{para}</p>"}}})  # fmt: skip
    app = f"""<html><head><title>医保报销比例是多少</title></head><body><div id="app"></div>
    <script id="__NEXT_DATA__" type="application/json">{shell}</script></body></html>"""
    page = extract_page(app.encode("utf-8"), "http://127.0.0.1/q/1.html")
    _check(page)
    assert "住院报销比例[31m一般在" in page.answer
