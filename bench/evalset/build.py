"""Build the labelled extraction eval set: the seeds' answers in nine page templates of our own.

``python -m bench.evalset.build`` (re)writes ``bench/evalset/pages/*.html`` and
``bench/evalset/truth.json`` (committed; deterministic). The templates are NOT the sample site's:
a Q&A community page with comments and 相关问题, a news article with share bar, 延伸阅读 and a
sidebar, an old table-layout government page in GBK (some declared UTF-8), client-rendered pages
whose answer lives only in JSON-LD / __NEXT_DATA__ / window.__INITIAL_STATE__, a mobile "知道"
page whose related cards have no heading at all, a WeChat-style article without an h1, another
health portal, an encyclopedia entry and a MIP mobile page. Class names are random tokens: an
extractor that keys on class names learns nothing here.

Truth per page: question, answer (DESIGN.md plain text), has_verification_disclaimer,
has_medical_tip, published, updated, is_medical_insurance, page_type, and ``noise``: strings of
the page's noise (card titles, chips, comments, footer, share bar) that must not be in the answer.

The jobs live apart: ``records`` (what each page says), ``render`` and ``templates/`` (markup and
noise); this module encodes the pages and writes the truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.evalset.records import records
from bench.evalset.render import TEMPLATES, gov_charset, render_page
from sample_site.seeds import answer_text

HERE = Path(__file__).parent
# What the gov pages' GBK bytes declare, as the truth's ``encoding`` note says it.
GOV_ENCODING_NOTES = {"gb2312": "GB2312 declared", "utf-8": "GBK bytes declared UTF-8", "gbk": "GBK declared"}


def encode(rec: dict[str, Any], page: str) -> tuple[bytes, str]:
    """The page's bytes and a note on its encoding: GBK (gb18030) for gov pages, UTF-8 elsewhere."""
    if rec["template"] != "gov":
        return page.encode("utf-8"), "utf-8"
    return page.encode("gb18030"), GOV_ENCODING_NOTES.get(gov_charset(rec) or "", "GBK, no declaration")


def truth_entry(rec: dict[str, Any], encoding: str, noise: list[str]) -> dict[str, Any]:
    answer = answer_text(rec["blocks"])
    return {
        "id": rec["id"],
        "file": f"pages/{rec['id']}.html",
        "url": f"https://{rec['template']}.example.cn/q/{rec['id']}.html",
        "template": rec["template"],
        "encoding": encoding,
        "page_type": "qa",
        "question": rec["question"],
        "answer": answer,
        "has_verification_disclaimer": rec["disclaimer"] is not None,
        "has_medical_tip": rec["tip"] is not None,
        "published": None if rec["template"] == "baike" else rec["published"].isoformat(),
        "updated": rec["updated"].isoformat() if rec["updated"] else None,
        "is_medical_insurance": rec["on_topic"],
        "noise": sorted({x for x in noise if x and x not in answer}),
    }


def build(out: Path = HERE) -> list[dict[str, Any]]:
    """(Re)write ``out/pages/*.html`` and ``out/truth.json``; returns the truth."""
    pages = out / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for old in pages.glob("*.html"):
        old.unlink()
    truth = []
    for rec in records(TEMPLATES):
        page, noise = render_page(rec)
        body, encoding = encode(rec, page)
        (pages / f"{rec['id']}.html").write_bytes(body)
        truth.append(truth_entry(rec, encoding, noise))
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    truth = build(out)
    print(f"wrote {len(truth)} pages in {len(TEMPLATES)} templates to {out / 'pages'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
