"""Markup of the eval-set pages: nine page templates (``bench/evalset/templates``) and their noise.

For each template a function picks what the page shows besides the answer (cards, comments, sidebar) and
lists that noise: strings that must not be in an extracted answer. Class names are random tokens drawn
per page (``Names``): an extractor that keys on class names learns nothing here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader

from sample_site.seeds import answer_text
from sample_site.templating import environment

COMMENTS = [
    "说得很清楚,谢谢分享!",
    "我们这边的规定好像不太一样,去社保窗口问了才知道。",
    "请问灵活就业的也适用吗?",
    "已收藏,回头给爸妈看看。",
    "上个月刚办完,确实是这样的流程。",
    "楼主能不能再说说异地的情况",
]
USERS = ["小明同学", "医保小白", "paopao2023", "晴天娃娃", "老王说保险", "zhangsan_88"]
GOV_LINKS = ["国家医疗保障局", "省医疗保障局", "市人力资源和社会保障局", "市卫生健康委员会"]
# The gov template's declared charset by page (its bytes are always GBK): right, wrong, right, absent.
GOV_CHARSETS = ["gb2312", "utf-8", "gbk", None]

Record = dict[str, Any]
Context = tuple[dict[str, Any], list[str]]  # template variables, noise


class Names:
    """Random class names per page: templates share no vocabulary an extractor could key on."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.cache: dict[str, str] = {}

    def __call__(self, role: str) -> str:
        if role not in self.cache:
            self.cache[role] = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2)) + str(
                self.rng.randint(10, 999)
            )
        return self.cache[role]


def fmt(d: date, kind: str = "iso") -> str:
    """A date as the page shows it: iso (2023-03-01), cn (2023年3月1日) or slash (2023/03/01)."""
    if kind == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if kind == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    return d.isoformat()


ENV = environment(FileSystemLoader(Path(__file__).with_name("templates")))
ENV.filters["fmt"] = fmt


def gov_charset(rec: Record) -> str | None:
    return GOV_CHARSETS[rec["k"] % len(GOV_CHARSETS)]


# ---- per template: what the page shows besides the answer, and its noise ----------------------------


def forum(p: Record) -> Context:
    """A Q&A community: asker bar, best answer, votes, comment thread, 相关问题, hot sidebar."""
    comments = [
        (USERS[i % 6], COMMENTS[(i + p["k"]) % 6], p["published"] + timedelta(days=i + 1)) for i in range(4)
    ]
    rel, hot = p["related"][:8], p["related"][8:14]
    noise = [r["title"] for r in rel + hot] + [c for _u, c, _d in comments]
    noise += ["京ICP备", "最佳答案", "网友评论", "医保小助手"]
    return {"comments": comments, "rel": rel, "hot": hot, "asker": USERS[p["k"] % 6]}, noise


def news(p: Record) -> Context:
    """A news article: meta dates, share bar, 责任编辑, 延伸阅读 cards with dates, sidebar, comments."""
    ext, side = p["related"][:6], p["related"][6:12]
    comments = [(USERS[1], COMMENTS[p["k"] % 6]), (USERS[2], COMMENTS[(p["k"] + 1) % 6])]
    noise = [r["title"] for r in ext + side] + ["分享到", "责任编辑", "版权所有", "体检套餐", comments[0][1]]
    return {"ext": ext, "side": side, "comments": comments}, noise


def gov(p: Record) -> Context:
    """An old table-layout 医保局 page in GBK: no h1, 发布日期 in Chinese, 打印本页/关闭窗口, ICP footer."""
    noise = ["打印本页", "关闭窗口", "青ICP备", "您现在的位置", "点击数", "政务公开"] + GOV_LINKS
    return {"charset": gov_charset(p), "links": GOV_LINKS}, noise


def spa(p: Record) -> Context:
    """A client-rendered page: an empty shell, the answer only in JSON-LD, __NEXT_DATA__ or app state."""
    answer = str(ENV.get_template("spa_answer.html").render(p=p))
    related = [{"title": r["title"], "url": f"/wiki/{r['id']}"} for r in p["related"][:8]]
    kind = ("jsonld", "next", "state")[p["k"] % 3]
    published = fmt(p["published"])
    if kind == "jsonld":
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "QAPage",
            "mainEntity": {
                "@type": "Question",
                "name": p["question"],
                "dateCreated": f"{published}T12:00:00+08:00",
                "answerCount": 1,
                "acceptedAnswer": {"@type": "Answer", "text": answer, "upvoteCount": 3},
            },
        }
    elif kind == "next":
        detail = {
            "id": p["id"],
            "title": p["question"],
            "content": answer,
            "publishTime": f"{published} 12:00:00",
            "tags": ["医保"],
        }
        data = {
            "props": {"pageProps": {"detail": detail, "related": related}},
            "page": "/wiki/[id]",
            "buildId": "x1",
        }
    else:
        answer_state = {"content": answer, "created_at": f"{published}T12:00:00Z", "likes": 7}
        data = {
            "user": {"login": False},
            "question": {
                "qid": p["id"],
                "question": p["question"],
                "answer": answer_state,
                "recommend": related,
            },
        }
    return {"kind": kind, "data": data}, ["加载中", "请开启JavaScript"] + [r["title"] for r in related]


def zhidao(p: Record) -> Context:
    """A mobile "知道" page: question in an h2, cards with NO heading, chips, undated labels."""
    cards = p["related"][:12]
    noise = [r["title"] for r in cards] + p["chips"] + ["打开APP", "有用(23)", "已解决", "健康新闻"]
    return {"cards": cards, "chips": p["chips"], "description": answer_text(p["blocks"])[:80]}, noise


def wechat(p: Record) -> Context:
    """A WeChat-style article: no h1 (og:title), <br> paragraphs, 推荐阅读, QR-code ad, JSON-LD dates."""
    rec = p["related"][:5]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": p["question"],
        "datePublished": f"{fmt(p['published'])}T07:30:00+08:00",
    }
    if p["updated"]:
        ld["dateModified"] = f"{fmt(p['updated'])}T07:30:00+08:00"
    return {"rec": rec, "ld": ld}, [r["title"] for r in rec] + [
        "长按识别二维码",
        "阅读原文",
        "在看",
        "医保小课堂",
    ]


def portal2(p: Record) -> Context:
    """Another health portal: logo h1, question in h2, whole-link cards with an ad between them,
    comments without any heading, <time> date, <ol> breadcrumb, disclaimer after the answer."""
    cards = p["related"][:10]
    comments = [(USERS[(i + 2) % 6], COMMENTS[(i + p["k"] + 3) % 6]) for i in range(3)]
    noise = [r["title"] for r in cards] + [c for _u, c in comments]
    noise += ["健康一点通", "问答详情", "阅读", "小时前"]
    return {"cards": cards, "comments": comments}, noise


def baike(p: Record) -> Context:
    """An encyclopedia-style entry: a 目录 box of in-page anchors, 参考资料 links at the end,
    only an 更新时间 (no publication date), tags, and an edit toolbar."""
    heads = [b["text"] for b in p["blocks"] if b["type"] == "heading"][:6]
    refs = p["related"][:4]
    noise = [r["title"] for r in refs] + ["目录", "参考资料", "词条标签", "百科协议", "使用百科前必读"]
    return {"heads": heads, "refs": refs}, noise


def mip(p: Record) -> Context:
    """A MIP/AMP-style mobile page: custom tags, the question only in <title> with 问:, the answer
    starting with 答:, <br>-separated paragraphs, a link-only related list without heading, an
    icon share bar and JSON-LD dates inside @graph."""
    rel = p["related"][:6]
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "健康问答"},
            {"@type": "Article", "headline": p["question"], "datePublished": fmt(p["published"])},
        ],
    }
    return {"rel": rel, "ld": ld}, [r["title"] for r in rel] + ["健康问答网", "微信 QQ 微博", "答:"]


TEMPLATES: dict[str, Callable[[Record], Context]] = {
    "forum": forum,
    "news": news,
    "gov": gov,
    "spa": spa,
    "zhidao": zhidao,
    "wechat": wechat,
    "portal2": portal2,
    "baike": baike,
    "mip": mip,
}


def render_page(rec: Record) -> tuple[str, list[str]]:
    """One record as its template's page, and the page's noise."""
    context, noise = TEMPLATES[rec["template"]](rec)
    page = ENV.get_template(f"{rec['template']}.html").render(p=rec, n=Names(rec["id"]), **context)
    return page, noise
