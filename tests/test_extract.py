"""The extractor on the sample site (both templates), against the generator's manifest truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from extract import EXTRACTOR_VERSION, LOW_CONFIDENCE, extract_page
from sample_site.seeds import load_seeds

SITE = Path(__file__).resolve().parents[1] / "sample_site" / "site"
HOSTS = {"portal": "http://127.0.0.1:8001", "city": "http://127.0.0.2:8002"}


def _manifest(edition: int) -> dict:
    return json.loads((SITE / f"edition{edition}" / "manifest.json").read_text(encoding="utf-8"))


def _file(edition: int, site: str, path: str) -> Path:
    f = SITE / f"edition{edition}" / site / path.lstrip("/")
    return f / "index.html" if path.endswith("/") else f


def char_f1(got: str, want: str) -> float:
    """Bag-of-characters F1, whitespace ignored: how the eval set scores answers."""
    g, w = Counter("".join(got.split())), Counter("".join(want.split()))
    if not g or not w:
        return float(g == w)
    inter = sum((g & w).values())
    if not inter:
        return 0.0
    p, r = inter / sum(g.values()), inter / sum(w.values())
    return 2 * p * r / (p + r)


def _pages(edition: int, kinds: tuple[str, ...]) -> list[dict]:
    return [p for p in _manifest(edition)["pages"] if p["kind"] in kinds]


@pytest.fixture(scope="module", params=[1, 2])
def extracted(request) -> list[tuple[dict, object]]:
    edition = request.param
    out = []
    for p in _pages(edition, ("qa", "robots_disallowed", "listing", "other")):
        body = _file(edition, p["site"], p["path"]).read_bytes()
        out.append((p, extract_page(body, HOSTS[p["site"]] + p["path"])))
    return out


def test_answers_match_the_manifest(extracted) -> None:
    scores = []
    for truth, page in extracted:
        if truth["kind"] not in ("qa", "robots_disallowed"):
            continue
        where = f"{truth['site']}{truth['path']}"
        assert page.page_type == "qa", where
        assert page.question == truth["question"], where
        assert page.has_verification_disclaimer == truth["has_verification_disclaimer"], where
        assert page.has_medical_tip == truth["has_medical_tip"], where
        assert page.published == truth["published"], where
        assert page.is_medical_insurance == truth["is_medical_insurance"], where
        f1 = char_f1(page.answer, truth["answer"])
        assert f1 >= 0.95, (where, f1)
        scores.append(f1)
    assert sum(scores) / len(scores) >= 0.99


def test_answer_text_is_exactly_the_contract_format(extracted) -> None:
    """Not only the characters: blank-line paragraphs, "- " items, pipe tables, as the manifest."""
    exact = [page.answer == truth["answer"] for truth, page in extracted if truth["kind"] == "qa"]
    assert sum(exact) / len(exact) >= 0.95


def test_no_related_card_or_chip_text_leaks_into_answers(extracted) -> None:
    seeds = load_seeds()
    noise = [c["title"] for s in seeds for c in s["cards"]] + [chip for s in seeds for chip in s["chips"]]
    noise += ["大家都在搜", "相关推荐", "ICP备", "打印本页", "关闭窗口", "版权所有", "当前位置"]
    for truth, page in extracted:
        if truth["kind"] != "qa":
            continue
        leaked = [n for n in noise if n in page.answer and n not in truth["answer"]]
        assert not leaked, (truth["path"], leaked)
        assert "仅供参考" not in page.answer or "仅供参考" in truth["answer"]
        assert "不能代替面诊" not in page.answer


def test_page_types_and_no_answer_reasons(extracted) -> None:
    for truth, page in extracted:
        if truth["kind"] == "listing":
            assert page.page_type == "listing", truth["path"]
            assert page.no_answer and not page.answer
        elif truth["kind"] == "other":
            assert page.page_type == "other", truth["path"]
            assert page.no_answer


def test_related_links_are_absolute_and_point_at_other_pages(extracted) -> None:
    truth, page = next((t, p) for t, p in extracted if t.get("seed") == "s000" and t["site"] == "portal")
    assert len(page.related) >= 15
    for link in page.related:
        assert link["url"].startswith(HOSTS["portal"] + "/ask/"), link
        assert link["url"] != page.url and link["title"]


def test_structure_is_kept_as_typed_blocks(extracted) -> None:
    truth, page = next((t, p) for t, p in extracted if t.get("seed") == "s000" and t["site"] == "portal")
    kinds = {b["type"] for b in page.answer_blocks}
    assert {"paragraph", "heading", "list", "table"} <= kinds
    table = next(b for b in page.answer_blocks if b["type"] == "table")
    assert table["rows"][0] == ["对比维度", "一级账户", "二级账户"]
    assert "| --- | --- | --- |" in page.answer
    assert page.answer_blocks == truth["answer_blocks"]


def test_canonical_topic_and_version(extracted) -> None:
    truth, page = next((t, p) for t, p in extracted if t.get("seed") == "s000" and t["site"] == "portal")
    assert page.canonical_url == HOSTS["portal"] + truth["path"]
    assert page.extractor_version == EXTRACTOR_VERSION
    assert page.topic["score"] >= page.topic["threshold"]
    assert any(term == "医保" for term, _w, _n in page.topic["terms"])


def test_gbk_page_declared_utf8_and_bom() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>异地就医怎么备案_医保局</title></head><body>'
        "<h1>异地就医怎么备案</h1><p>参保人员可以通过国家医保服务平台APP办理异地就医备案,备案后直接结算。</p>"
        "</body></html>"
    )
    for body in (html.encode("gbk"), b"\xef\xbb\xbf" + html.encode("utf-8")):
        page = extract_page(body, "http://127.0.0.1/a.html")
        assert page.question == "异地就医怎么备案"
        assert "国家医保服务平台" in page.answer
        assert page.is_medical_insurance


TEXTS = {
    "gbk": ("异地就医怎么备案", "参保人员可以通过国家医保服务平台办理异地就医备案，备案后在就医地直接结算。"),
    "big5": ("異地就醫怎麼備案", "參保人員可以通過國家醫保服務平台辦理異地就醫備案，備案後在就醫地直接結算。"),
    "cp1252": ("Où déposer le formulaire", "Déposez-le à la caisse régionale, elle répond sous huit jours ouvrés."),
}


@pytest.mark.parametrize(
    ("encoding", "meta", "content_type", "decoded_as"),
    [
        ("utf-8", "", None, "utf-8"),  # no declaration at all
        ("utf-8", "gbk", "text/html; charset=gbk", "utf-8"),  # strict UTF-8 outranks any declaration
        ("gbk", "gb2312", "text/html; charset=utf-8", "gb18030"),  # a server-wide UTF-8 header, a GBK page
        ("gbk", "", "text/html; charset=ISO-8859-1", "gb18030"),  # a server default on Han text
        ("big5", "big5", "text/html; charset=utf-8", "big5hkscs"),  # a wrong header: the page's <meta> decides
        ("gbk", "undefined", None, "gb18030"),  # a declared "codec" that is no text encoding
        ("gbk", "", "text/html; charset=base64", "gb18030"),
        ("cp1252", "windows-1252", None, "cp1252"),  # Latin text is not taken for GB
    ],
)
def test_the_bytes_outrank_a_wrong_charset(encoding: str, meta: str, content_type: str | None, decoded_as: str) -> None:
    question, answer = TEXTS.get(encoding, TEXTS["gbk"])
    declared = f'<meta charset="{meta}">' if meta else ""
    html = f"<html><head>{declared}<title>{question}</title></head><body><h1>{question}</h1><p>{answer}</p></body></html>"
    page = extract_page(html.encode(encoding), "http://127.0.0.1/a.html", content_type)
    assert (page.encoding, page.no_answer) == (decoded_as, None)
    assert (page.question, page.answer) == (question, answer)


def test_json_ld_answer_when_the_dom_has_none() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "mainEntity": {
            "@type": "Question",
            "name": "生育保险怎么报销",
            "dateCreated": "2024-05-06",
            "acceptedAnswer": {
                "@type": "Answer",
                "text": "<p>生育保险报销需要先参保满12个月。</p><p>在定点医院分娩可以直接结算。</p>",
            },
        },
    }
    body = (
        f'<html><head><title>生育保险怎么报销</title><script type="application/ld+json">{json.dumps(ld)}</script>'
        '</head><body><div id="app"></div></body></html>'
    ).encode()
    page = extract_page(body, "http://127.0.0.1/q/1")
    assert page.page_type == "qa"
    assert page.answer == "生育保险报销需要先参保满12个月。\n\n在定点医院分娩可以直接结算。"
    assert page.published == "2024-05-06"
    assert page.method == "appstate"


def test_every_page_says_how_its_answer_was_found(extracted) -> None:
    """Q&A pages come from the main path with confidence; pages without an answer carry none."""
    for truth, page in extracted:
        if page.answer:
            assert page.method == "main", truth["path"]
            assert page.confidence >= LOW_CONFIDENCE, (truth["path"], page.confidence)
        else:
            assert (page.method, page.confidence) == ("none", 0.0), truth["path"]


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\xff\xfe garbage", b"<html>", b"<" * 10000, b"<div>" * 20000, "不是网页".encode("utf-16")],
)
def test_never_raises_on_bad_bytes(body: bytes) -> None:
    page = extract_page(body, "http://127.0.0.1/x")
    assert page.page_type in ("qa", "listing", "other")
    if page.page_type != "qa":
        assert page.no_answer
