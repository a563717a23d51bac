"""Score extraction on labelled pages: ours (``extract_page``) against bare ``trafilatura.extract``.

``python -m bench.score_extract [--set evalset|sample|all] [--external DIR] [--pages] [--json OUT]``

Labelled pages: ``bench/evalset/`` (our nine templates, ``truth.json``) and the sample site's Q&A,
listing and other pages (``sample_site/site/edition*/manifest.json`` has the truth). Per page and
overall: character-level precision / recall / F1 of the answer (bag of non-whitespace characters
after NFKC), pages with leaked noise (a related-card title, chip, comment, footer or share-bar
string of that page in the answer), and the accuracy of question, disclaimer flag, tip flag,
dates (published and updated), topic and page type. The baseline is bare
``trafilatura.extract(text)`` on the same pages (decoded with the same decoder), same run.

``--external DIR`` also scores eval-external in place (``bench/score_external.py``: tune and test
halves, trafilatura and readability-lxml as anchors); skipped with a message when DIR does not exist.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import trafilatura

from extract import extract_page
from extract.decode import decode_body
from sample_site.seeds import load_seeds

ROOT = Path(__file__).resolve().parents[1]
EVALSET = ROOT / "bench" / "evalset"
SITE = ROOT / "sample_site" / "site"
HOSTS = {"portal": "http://127.0.0.1:8001", "city": "http://127.0.0.2:8002"}
TARGETS = {"f1_mean": 0.98, "f1_min": 0.90, "leaked_pages": 0, "question": 0.98, "disclaimer": 0.98,
           "topic": 0.98, "dates": 0.95}  # fmt: skip


# ---- metrics ---------------------------------------------------------------------------------------


def tokens(text: str, lang: str = "zh") -> Counter[str]:
    """Chinese: every non-whitespace character; English: whitespace tokens; both after NFKC."""
    text = unicodedata.normalize("NFKC", text or "")
    if lang == "en":
        return Counter(text.split())
    return Counter("".join(text.split()))


def prf(got: str, want: str, lang: str = "zh") -> tuple[float, float, float]:
    g, w = tokens(got, lang), tokens(want, lang)
    if not g and not w:
        return 1.0, 1.0, 1.0
    inter = sum((g & w).values())
    p = inter / sum(g.values()) if g else 0.0
    r = inter / sum(w.values()) if w else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def leaks(text: str, noise: list[str]) -> list[str]:
    s = _squeeze(text)
    return [n for n in noise if _squeeze(n) and _squeeze(n) in s]


def baseline(body: bytes, content_type: str | None = None) -> str:
    """Bare trafilatura with its defaults, on the same decoded text our extractor sees."""
    text, _enc = decode_body(body, content_type)
    try:
        return trafilatura.extract(text, include_comments=False) or ""
    except Exception:  # noqa: BLE001 - a baseline failure is an empty output, like a miss
        return ""


# ---- the labelled cases ------------------------------------------------------------------------------


def _sample_noise() -> list[str]:
    seeds = load_seeds()
    out = [c["title"] for s in seeds for c in s["cards"]] + [chip for s in seeds for chip in s["chips"]]
    return out + [
        "大家都在搜",
        "相关推荐",
        "ICP备",
        "打印本页",
        "关闭窗口",
        "版权所有",
        "当前位置",
        "其他问题",
        "人看过",
    ]


def labelled_cases(which: str = "all") -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    if which in ("all", "evalset"):
        for t in json.loads((EVALSET / "truth.json").read_text(encoding="utf-8")):
            cases.append({**t, "set": "evalset", "body": (EVALSET / t["file"]).read_bytes()})
    if which in ("all", "sample"):
        noise = _sample_noise()
        for edition in (1, 2):
            manifest = json.loads((SITE / f"edition{edition}" / "manifest.json").read_text(encoding="utf-8"))
            for p in manifest["pages"]:
                if p["kind"] not in ("qa", "robots_disallowed", "listing", "other"):
                    continue
                f = SITE / f"edition{edition}" / p["site"] / p["path"].lstrip("/")
                if p["path"].endswith("/"):
                    f = f / "index.html"
                qa = p["kind"] in ("qa", "robots_disallowed")
                cases.append(
                    {
                        "id": f"e{edition}:{p['site']}{p['path']}",
                        "set": "sample",
                        "template": f"sample-{p['site']}",
                        "url": HOSTS[p["site"]] + p["path"],
                        "body": f.read_bytes(),
                        "page_type": "qa" if qa else p["kind"],
                        "question": p.get("question") if qa else None,
                        "answer": p.get("answer", "") if qa else "",
                        "has_verification_disclaimer": p.get("has_verification_disclaimer") if qa else None,
                        "has_medical_tip": p.get("has_medical_tip") if qa else None,
                        "published": p.get("published") if qa else None,
                        "updated": p.get("updated") if qa else None,
                        "is_medical_insurance": p.get("is_medical_insurance") if qa else None,
                        "noise": [n for n in noise if n not in p.get("answer", "")],
                    }
                )
    return cases


def score_case(case: dict[str, Any]) -> dict[str, Any]:
    page = extract_page(case["body"], case["url"])
    base = baseline(case["body"])
    row: dict[str, Any] = {"id": case["id"], "set": case["set"], "template": case["template"]}
    row["page_type_ok"] = page.page_type == case["page_type"]
    if case["page_type"] != "qa":
        return row
    row["p"], row["r"], row["f1"] = prf(page.answer, case["answer"])
    row["base_p"], row["base_r"], row["base_f1"] = prf(base, case["answer"])
    row["leaked"] = leaks(page.answer, case["noise"])
    row["base_leaked"] = leaks(base, case["noise"])
    row["question_ok"] = page.question == case["question"]
    row["disclaimer_ok"] = page.has_verification_disclaimer == case["has_verification_disclaimer"]
    row["tip_ok"] = page.has_medical_tip == case["has_medical_tip"]
    row["dates_ok"] = page.published == case["published"] and page.updated == case["updated"]
    row["topic_ok"] = page.is_medical_insurance == case["is_medical_insurance"]
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    qa = [r for r in rows if "f1" in r]

    def acc(key: str, pool: list[dict[str, Any]] = qa) -> float:
        return sum(bool(r[key]) for r in pool) / len(pool) if pool else 1.0

    if not qa:
        return {"pages": len(rows), "qa_pages": 0, "page_type": acc("page_type_ok", rows)}
    return {
        "pages": len(rows),
        "qa_pages": len(qa),
        "p": statistics.fmean(r["p"] for r in qa),
        "r": statistics.fmean(r["r"] for r in qa),
        "f1_mean": statistics.fmean(r["f1"] for r in qa),
        "f1_min": min(r["f1"] for r in qa),
        "leaked_pages": sum(bool(r["leaked"]) for r in qa),
        "question": acc("question_ok"),
        "disclaimer": acc("disclaimer_ok"),
        "tip": acc("tip_ok"),
        "dates": acc("dates_ok"),
        "topic": acc("topic_ok"),
        "page_type": acc("page_type_ok", rows),
        "base_p": statistics.fmean(r["base_p"] for r in qa),
        "base_r": statistics.fmean(r["base_r"] for r in qa),
        "base_f1_mean": statistics.fmean(r["base_f1"] for r in qa),
        "base_f1_min": min(r["base_f1"] for r in qa),
        "base_leaked_pages": sum(bool(r["base_leaked"]) for r in qa),
    }


def check_targets(summary: dict[str, Any]) -> list[str]:
    """The issue's targets that this summary misses (empty: all met)."""
    missed = []
    for key, target in TARGETS.items():
        value = summary.get(key)
        if value is None:
            continue
        ok = value <= target if key == "leaked_pages" else value >= target
        if not ok:
            missed.append(f"{key} {value:.3f} (target {'<=' if key == 'leaked_pages' else '>='} {target})")
    return missed


# ---- output ---------------------------------------------------------------------------------------------


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def print_labelled(rows: list[dict[str, Any]], per_page: bool) -> dict[str, Any]:
    if per_page:
        print(
            "page | template | F1 ours | F1 trafilatura | leaked ours | leaked trafilatura | q d t dates topic type"
        )
        for r in rows:
            if "f1" not in r:
                print(
                    f"{r['id']} | {r['template']} | - | - | - | - | type {'ok' if r['page_type_ok'] else 'WRONG'}"
                )
                continue
            flags = " ".join(
                "ok" if r[k] else "X"
                for k in ("question_ok", "disclaimer_ok", "tip_ok", "dates_ok", "topic_ok", "page_type_ok")
            )
            print(
                f"{r['id']} | {r['template']} | {r['f1']:.3f} | {r['base_f1']:.3f} | "
                f"{len(r['leaked'])} | {len(r['base_leaked'])} | {flags}"
            )
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["template"], []).append(r)
    print()
    print(
        "| set / template | pages | P / R / F1 ours | F1 min | leaked | P / R / F1 trafilatura | F1 min | leaked |"
    )
    print("| --- | ---: | --- | ---: | ---: | --- | ---: | ---: |")
    order = sorted(groups.items())
    sets = {}
    for r in rows:
        sets.setdefault(r["set"], []).append(r)
    order += [(f"**{name}** (all)", pool) for name, pool in sorted(sets.items())]
    overall = summarize(rows)
    order.append(("**overall**", rows))
    for name, pool in order:
        s = summarize(pool)
        if "f1_mean" not in s:
            print(f"| {name} | {s['pages']} | (no Q&A pages; page type {s['page_type']:.3f}) | | | | | |")
            continue
        print(
            f"| {name} | {s['qa_pages']} | {s['p']:.3f} / {s['r']:.3f} / {s['f1_mean']:.3f} | {s['f1_min']:.3f} | "
            f"{s['leaked_pages']} | {s['base_p']:.3f} / {s['base_r']:.3f} / {s['base_f1_mean']:.3f} | "
            f"{s['base_f1_min']:.3f} | {s['base_leaked_pages']} |"
        )
    print()
    print("| accuracy | question | disclaimer | tip | dates | topic | page type |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, pool in sorted(sets.items()) + [("overall", rows)]:
        s = summarize(pool)
        print(
            f"| {name} | {s['question']:.3f} | {s['disclaimer']:.3f} | {s['tip']:.3f} | {s['dates']:.3f} | "
            f"{s['topic']:.3f} | {s['page_type']:.3f} |"
        )
    return overall


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.score_extract", description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=["all", "evalset", "sample", "none"], default="all")
    ap.add_argument("--external", type=Path, help="score this eval-external directory in place (read only)")
    ap.add_argument("--pages", action="store_true", help="print one line per page")
    ap.add_argument("--json", type=Path, help="write every row and summary as JSON here")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    if args.set != "none":
        t0 = time.perf_counter()
        rows = [score_case(c) for c in labelled_cases(args.set)]
        overall = print_labelled(rows, args.pages)
        missed = check_targets(overall)
        print(
            f"\nlabelled: {len(rows)} pages in {time.perf_counter() - t0:.1f}s; targets: "
            + ("all met" if not missed else "MISSED " + "; ".join(missed))
        )
        out["labelled"] = {"rows": rows, "overall": overall, "missed": missed}
    if args.external is not None:
        if not args.external.is_dir():
            print(f"\nexternal: skipped ({args.external} does not exist)")
        else:
            from bench.score_external import run_external

            out["external"] = run_external(args.external, per_page=args.pages)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
