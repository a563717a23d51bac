"""Build the labelled extraction eval set: the seeds' answers in six page templates of our own.

``python -m bench.evalset.build`` (re)writes ``bench/evalset/pages/*.html`` and
``bench/evalset/truth.json`` (committed; deterministic). The templates are NOT the sample site's:
a Q&A community page with comments and 相关问题, a news article with share bar, 延伸阅读 and a
sidebar, an old table-layout government page in GBK (some declared UTF-8), client-rendered pages
whose answer lives only in JSON-LD / __NEXT_DATA__ / window.__INITIAL_STATE__, a mobile "知道"
page whose related cards have no heading at all, and a WeChat-style article without an h1.
Class names are random tokens: an extractor that keys on class names learns nothing here.

Truth per page: question, answer (DESIGN.md plain text), has_verification_disclaimer,
has_medical_tip, published, updated, is_medical_insurance, page_type, and ``noise``: strings of
the page's noise (card titles, chips, comments, footer, share bar) that must not be in the answer.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sample_site.seeds import answer_text, load_seeds

HERE = Path(__file__).parent
PAGES = HERE / "pages"
TRUTH = HERE / "truth.json"

DISCLAIMERS = [
    None,  # the seed's own text
    "声明:以上内容来源于网络公开资料,仅供参考,具体政策请以当地医保部门官方发布为准。",
    "【免责声明】本文信息整理自互联网,可能存在滞后,仅供参考,办理前请向当地医疗保障局或拨打12393核实。",
    "温馨提醒:本页内容不构成办理依据,请以国家医保服务平台及当地医保局公告为准。",
]
TIPS = [
    None,  # the seed's own text
    "温馨提示:本文内容不能替代医生面诊,如有身体不适请及时就医。",
    "医疗提示:文中涉及的医学内容仅供参考,不可作为诊断依据,用药请遵医嘱。",
]
COMMENTS = [
    "说得很清楚,谢谢分享!",
    "我们这边的规定好像不太一样,去社保窗口问了才知道。",
    "请问灵活就业的也适用吗?",
    "已收藏,回头给爸妈看看。",
    "上个月刚办完,确实是这样的流程。",
    "楼主能不能再说说异地的情况",
]
USERS = ["小明同学", "医保小白", "paopao2023", "晴天娃娃", "老王说保险", "zhangsan_88"]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


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


# ---- answer HTML in different styles ---------------------------------------------------------------


def answer_html(blocks: list[dict[str, Any]], style: str) -> str:
    """One answer as HTML. Styles: semantic (h3/ul/table), bold (headings as <p><b>), gov (bullets as ·)."""
    out: list[str] = []
    for b in blocks:
        t = b["type"]
        if t == "paragraph":
            out.append(
                f"<p>{esc(b['text'])}</p>"
                if style != "gov"
                else f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(b['text'])}</p>"
            )
        elif t == "heading":
            if style == "semantic":
                out.append(f"<h{b['level']}>{esc(b['text'])}</h{b['level']}>")
            else:
                out.append(f"<p><strong>{esc(b['text'])}</strong></p>")
        elif t == "list":
            if style == "gov" and not b["ordered"]:
                out += [f"<p>·{esc(item)}</p>" for item in b["items"]]
            else:
                tag = "ol" if b["ordered"] else "ul"
                out.append(f"<{tag}>" + "".join(f"<li>{esc(i)}</li>" for i in b["items"]) + f"</{tag}>")
        elif t == "table":
            rows = b["rows"]
            attrs = ' border="1" cellspacing="0" cellpadding="4"' if style == "gov" else ""
            head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            out.append(f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(out)


def fmt(d: date, kind: str = "iso") -> str:
    if kind == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if kind == "slash":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    return d.isoformat()


# ---- templates --------------------------------------------------------------------------------------


def t_forum(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """A Q&A community: asker bar, best answer, votes, comment thread, 相关问题, hot sidebar."""
    comments = [(USERS[i % 6], COMMENTS[(i + p["k"]) % 6]) for i in range(4)]
    rel = p["related"][:8]
    hot = p["related"][8:14]
    notice_top = f'<div class="{n("dis")}">{esc(p["disclaimer"])}</div>' if p["disclaimer"] else ""
    tip = f'<p class="{n("tip")}">{esc(p["tip"])}</p>' if p["tip"] else ""
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(p["question"])}_医保问答社区</title>
<meta name="keywords" content="医保,社保,{esc(p["question"])}"></head>
<body>
<div class="{n("top")}"><a href="/" class="{n("logo")}">医保问答社区</a><a href="/login">登录</a><a href="/reg">注册</a>
<form action="/s"><input name="q"><button>搜索</button></form></div>
<div class="{n("crumb")}"><a href="/">首页</a> &gt; <a href="/c/yibao">医疗保险</a> &gt; <span>正文</span></div>
<div class="{n("wrap")}"><div class="{n("col")}">
<div class="{n("qbox")}"><h1>问:{esc(p["question"])}</h1>
<div class="{n("qi")}">提问者:<a href="/user/1024">{USERS[p["k"] % 6]}</a>　发布于 {fmt(p["published"])} 09:12</div>
<div class="{n("cnt")}">3 个回答 · {1000 + 37 * p["k"]} 次浏览</div></div>
<div class="{n("best")}"><div class="{n("lab")}">最佳答案</div>
<div class="{n("au")}"><a href="/user/88">医保小助手</a> 回答于 {fmt(p["published"])}</div>
<div class="{n("ct")}">{notice_top}
{answer_html(p["blocks"], "semantic")}
{tip}</div>
<div class="{n("acts")}"><span>赞同 {12 + p["k"]}</span> <span>反对</span> <span>分享</span> <span>举报</span></div></div>
<div class="{n("cm")}"><h3>网友评论({len(comments)})</h3><ul>
{"".join(f'<li><a href="/user/{i}">{u}</a>:{esc(c)} <span>{fmt(p["published"] + timedelta(days=i + 1))}</span></li>' for i, (u, c) in enumerate(comments))}
</ul><textarea placeholder="说点什么"></textarea></div>
<div class="{n("rel")}"><h3>相关问题</h3><ul>
{"".join(f'<li><a href="/q/{r["id"]}.html">{esc(r["title"])}</a><span>{2 + i} 个回答</span></li>' for i, r in enumerate(rel))}
</ul></div>
</div>
<div class="{n("side")}"><h4>热门问题</h4><ol>
{"".join(f'<li><a href="/q/{r["id"]}.html">{esc(r["title"])}</a></li>' for r in hot)}
</ol></div></div>
<div class="{n("ft")}"><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | ©2024 医保问答社区 京ICP备12345678号</div>
</body></html>"""
    noise = (
        [r["title"] for r in rel + hot]
        + [c for _u, c in comments]
        + ["京ICP备", "最佳答案", "网友评论", "医保小助手"]
    )
    return page, noise


def t_news(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """A news article: meta dates, share bar, 责任编辑, 延伸阅读 cards with dates, sidebar, comments."""
    ext = p["related"][:6]
    side = p["related"][6:12]
    upd = p["updated"]
    upd_meta = f'<meta property="article:modified_time" content="{fmt(upd)}T10:00:00+08:00">' if upd else ""
    upd_line = f"<span>更新时间:{fmt(upd)} 10:00</span>" if upd else ""
    dis = f"<p>{esc(p['disclaimer'])}</p>" if p["disclaimer"] else ""
    tip = f"<p>{esc(p['tip'])}</p>" if p["tip"] else ""
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{esc(p["question"])} - 健康时报网</title>
<meta property="og:title" content="{esc(p["question"])}">
<meta property="article:published_time" content="{fmt(p["published"])}T08:00:00+08:00">{upd_meta}
<meta name="author" content="王记者"></head>
<body><header class="{n("hd")}"><a href="/">健康时报网</a><a href="/news">新闻</a><a href="/yb">医保</a><a href="/video">视频</a></header>
<div class="{n("main")}"><div class="{n("left")}">
<h1>{esc(p["question"])}</h1>
<div class="{n("info")}"><span>{fmt(p["published"])} 08:00</span> {upd_line} <span>来源:健康时报网</span> <span>作者:王记者</span></div>
<div class="{n("share")}">分享到:<a href="#wx">微信</a><a href="#wb">微博</a><a href="#qz">QQ空间</a></div>
<div class="{n("body")}">{dis}
{answer_html(p["blocks"], "semantic")}
{tip}</div>
<p class="{n("ed")}">责任编辑:李明</p>
<div class="{n("ext")}"><div class="{n("t")}">延伸阅读</div><ul>
{"".join(f'<li><a href="/news/{r["id"]}.html">{esc(r["title"])}</a><p>{esc(r["snippet"][:60])}</p><span>{r["date"]}</span></li>' for r in ext)}
</ul></div>
<div class="{n("cmt")}"><div class="{n("t")}">网友评论</div><div>已有{8 + p["k"]}人参与</div>
<div><b>{USERS[1]}</b> {esc(COMMENTS[p["k"] % 6])}</div><div><b>{USERS[2]}</b> {esc(COMMENTS[(p["k"] + 1) % 6])}</div></div>
</div>
<div class="{n("right")}"><div class="{n("t")}">热门文章</div><ul>
{"".join(f'<li><a href="/news/{r["id"]}.html">{esc(r["title"])}</a><em>{r["date"]}</em></li>' for r in side)}
</ul><div class="{n("ad")}"><a href="/ad">广告</a> 体检套餐限时5折</div></div></div>
<div class="{n("foot")}"><p>健康时报网 版权所有 Copyright © 2024 All Rights Reserved</p><p>京公网安备 11000002000001号</p></div>
</body></html>"""
    noise = [r["title"] for r in ext + side] + [
        "分享到",
        "责任编辑",
        "版权所有",
        "体检套餐",
        COMMENTS[p["k"] % 6],
    ]
    return page, noise


def t_gov(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """An old table-layout 医保局 page in GBK: no h1, 发布日期 in Chinese, 打印本页/关闭窗口, ICP footer."""
    links = ["国家医疗保障局", "省医疗保障局", "市人力资源和社会保障局", "市卫生健康委员会"]
    dis = f"<p>{esc(p['disclaimer'])}</p>" if p["disclaimer"] else ""
    tip = f"<p>{esc(p['tip'])}</p>" if p["tip"] else ""
    charset = ["gb2312", "utf-8", "gbk", None][p["k"] % 4]
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    page = f"""<html><head>{meta}<title>{esc(p["question"])}--青山市医疗保障局</title>
<style>td{{font-size:12px}}</style></head>
<body><table width="1000" align="center"><tr><td><img src="/images/banner.jpg" width="1000" height="120"></td></tr>
<tr><td bgcolor="#1060b0"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/zcfg">政策法规</a> | <a href="/bszn">办事指南</a> | <a href="/zcwd">政策问答</a> | <a href="/hdjl">互动交流</a></td></tr></table>
<table width="1000" align="center"><tr><td width="200" valign="top">
<table width="100%"><tr><td>相关链接</td></tr>{"".join(f'<tr><td><a href="/link/{i}">{x}</a></td></tr>' for i, x in enumerate(links))}</table>
</td><td valign="top">
<table width="100%"><tr><td>您现在的位置:<a href="/">首页</a> &gt;&gt; <a href="/zcwd">政策问答</a> &gt;&gt; 正文</td></tr></table>
<table width="100%">
<tr><td align="center"><font size="4"><b>{esc(p["question"])}</b></font></td></tr>
<tr><td align="center">发布日期:{fmt(p["published"], "cn")}　　点击数:{300 + p["k"]}　　【字体:<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</td></tr>
<tr><td>{dis}
{answer_html(p["blocks"], "gov")}
{tip}</td></tr>
<tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
</table></td></tr></table>
<table width="1000" align="center"><tr><td align="center">版权所有:青山市医疗保障局　地址:青山市人民路1号　ICP备案:青ICP备05001234号<br>技术支持:青山市信息中心</td></tr></table>
</body></html>"""
    noise = ["打印本页", "关闭窗口", "青ICP备", "您现在的位置", "点击数", "政务公开"] + links
    return page, noise


def t_spa(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """A client-rendered page: an empty shell, the answer only in JSON-LD, __NEXT_DATA__ or app state."""
    parts = [f"<p>{esc(p['disclaimer'])}</p>"] if p["disclaimer"] else []
    parts.append(answer_html(p["blocks"], "semantic"))
    if p["tip"]:
        parts.append(f"<p>{esc(p['tip'])}</p>")
    answer = "\n".join(parts)
    related = [{"title": r["title"], "url": f"/wiki/{r['id']}"} for r in p["related"][:8]]
    kind = p["k"] % 3
    if kind == 0:
        ld = {
            "@context": "https://schema.org",
            "@type": "QAPage",
            "mainEntity": {
                "@type": "Question",
                "name": p["question"],
                "dateCreated": f"{fmt(p['published'])}T12:00:00+08:00",
                "answerCount": 1,
                "acceptedAnswer": {"@type": "Answer", "text": answer, "upvoteCount": 3},
            },
        }
        data = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        shell = '<div id="app"></div><noscript>请开启JavaScript后浏览本页</noscript>'
    elif kind == 1:
        nxt = {
            "props": {
                "pageProps": {
                    "detail": {
                        "id": p["id"],
                        "title": p["question"],
                        "content": answer,
                        "publishTime": f"{fmt(p['published'])} 12:00:00",
                        "tags": ["医保"],
                    },
                    "related": related,
                }
            },
            "page": "/wiki/[id]",
            "buildId": "x1",
        }
        data = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(nxt, ensure_ascii=False)}</script>'
        shell = '<div id="__next"><div class="loading">加载中...</div></div>'
    else:
        state = {
            "user": {"login": False},
            "question": {
                "qid": p["id"],
                "question": p["question"],
                "answer": {"content": answer, "created_at": f"{fmt(p['published'])}T12:00:00Z", "likes": 7},
                "recommend": related,
            },
        }
        data = f"<script>window.__INITIAL_STATE__={json.dumps(state, ensure_ascii=False)};</script>"
        shell = '<div id="root"></div>'
    page = f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{esc(p["question"])} - 医保百科</title>
<meta name="viewport" content="width=device-width">{data}
<script src="/static/js/main.8f2a.js"></script></head>
<body>{shell}</body></html>"""
    return page, ["加载中", "请开启JavaScript"] + [r["title"] for r in related]


def t_zhidao(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """A mobile "知道" page: question in an h2, cards with NO heading, chips, undated labels."""
    cards = p["related"][:12]
    chips = p["chips"]
    dis = f'<div class="{n("d")}">{esc(p["disclaimer"])}</div>' if p["disclaimer"] else ""
    tip = f'<div class="{n("t")}">{esc(p["tip"])}</div>' if p["tip"] else ""
    card_html = "".join(
        f'<div class="{n("card")}"><a href="/zd/{r["id"]}.html"><h3>{esc(r["title"])}</h3></a>'
        f'<p>{esc(r["snippet"])}</p><div class="{n("cf")}"><span>健康新闻</span> <span>{r["date"]}</span></div></div>'
        for r in cards
    )
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{esc(p["question"])}_医保知道</title>
<meta name="description" content="{esc(answer_text(p["blocks"])[:80])}"></head>
<body><div class="{n("bar")}"><span>医保知道</span><a href="/app">打开APP,看更多回答</a></div>
<div class="{n("qa")}"><div class="{n("q")}"><span class="{n("qi")}">问</span><h2>{esc(p["question"])}</h2></div>
<div class="{n("m")}">{fmt(p["published"])} · 已解决</div>
<div class="{n("a")}"><div class="{n("ai")}">答</div>{dis}
{answer_html(p["blocks"], "bold")}
{tip}</div>
<div class="{n("like")}"><span>有用(23)</span> <span>没用</span></div></div>
<div class="{n("list")}">{card_html}</div>
<div class="{n("hot")}"><div>大家都在搜</div>{"".join(f'<a href="/s?q={esc(c)}">{esc(c)}</a>' for c in chips)}</div>
<div class="{n("ft")}"><a href="/">首页</a> <a href="#">顶部</a></div>
</body></html>"""
    noise = [r["title"] for r in cards] + chips + ["打开APP", "有用(23)", "已解决", "健康新闻"]
    return page, noise


def t_wechat(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
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
    paras = []
    if p["disclaimer"]:
        paras.append(f"<p>{esc(p['disclaimer'])}</p>")
    paras.append(answer_html(p["blocks"], "bold"))
    if p["tip"]:
        paras.append(f"<p>{esc(p['tip'])}</p>")
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(p["question"])} | 医保小课堂</title>
<meta property="og:title" content="{esc(p["question"])}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body><div class="{n("page")}"><div class="{n("meta")}"><span>原创</span> <a href="/profile">医保小课堂</a> <em>{fmt(p["published"], "slash")}</em></div>
<section class="{n("content")}">{"".join(paras)}</section>
<div class="{n("qr")}"><img src="/qr.png"><p>长按识别二维码,关注医保小课堂</p></div>
<div class="{n("tools")}"><a href="/src">阅读原文</a> <span>阅读 {1000 + p["k"]}</span> <span>点赞</span> <span>在看</span></div>
<div class="{n("rec")}"><h3>推荐阅读</h3>{"".join(f'<p><a href="/s/{r["id"]}">{esc(r["title"])}</a></p>' for r in rec)}</div>
</div></body></html>"""
    noise = [r["title"] for r in rec] + ["长按识别二维码", "阅读原文", "在看", "医保小课堂"]
    return page, noise


def t_portal2(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """Another health portal: logo h1, question in h2, whole-link cards with an ad between them,
    comments without any heading, <time> date, <ol> breadcrumb, disclaimer after the answer."""
    cards = p["related"][:10]
    comments = [(USERS[(i + 2) % 6], COMMENTS[(i + p["k"] + 3) % 6]) for i in range(3)]
    card_html = []
    for i, r in enumerate(cards):
        card_html.append(
            f'<a class="{n("card")}" href="/wenda/{r["id"]}.html"><div class="{n("ct")}">{esc(r["title"])}</div>'
            f'<div class="{n("cs")}">{esc(r["snippet"][:90])}</div><div class="{n("cm")}">{300 + i}阅读</div></a>'
        )
        if i == 4:
            card_html.append(f'<div class="{n("adv")}"><img src="/ad.png"><span>广告</span></div>')
    dis = f'<p class="{n("d")}">{esc(p["disclaimer"])}</p>' if p["disclaimer"] else ""
    tip = f'<p class="{n("t")}">{esc(p["tip"])}</p>' if p["tip"] else ""
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(p["question"])}-健康一点通</title></head>
<body><div class="{n("top")}"><h1><a href="/">健康一点通</a></h1><a href="/search">搜索</a></div>
<ol class="{n("bc")}"><li><a href="/">首页</a> ›</li><li><a href="/yibao/">医保</a> ›</li><li>问答详情</li></ol>
<article class="{n("art")}"><h2>{esc(p["question"])}</h2>
<div class="{n("by")}"><span>健康一点通编辑部</span> <time datetime="{fmt(p["published"])}T10:00:00+08:00">{p["published"].month}月{p["published"].day}日</time></div>
{answer_html(p["blocks"], "semantic")}
{dis}{tip}
</article>
<div class="{n("cmts")}">
{"".join(f'<div class="{n("c")}"><span>{u}</span><p>{esc(c)}</p><div><span>{2 + i}小时前</span> <a href="#r">回复</a> <span>赞 {5 + i}</span></div></div>' for i, (u, c) in enumerate(comments))}
</div>
<div class="{n("feed")}">{"".join(card_html)}</div>
<footer><p>健康一点通 © 2024</p><p>沪ICP备20240001号</p></footer>
</body></html>"""
    noise = (
        [r["title"] for r in cards] + [c for _u, c in comments] + ["健康一点通", "问答详情", "阅读", "小时前"]
    )
    return page, noise


def t_baike(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
    """An encyclopedia-style entry: a 目录 box of in-page anchors, 参考资料 links at the end,
    only an 更新时间 (no publication date), tags, and an edit toolbar."""
    heads = [b["text"] for b in p["blocks"] if b["type"] == "heading"][:6]
    refs = p["related"][:4]
    dis = f"<p>{esc(p['disclaimer'])}</p>" if p["disclaimer"] else ""
    tip = f"<p>{esc(p['tip'])}</p>" if p["tip"] else ""
    toc = "".join(f'<li><a href="#s{i}">{esc(h)}</a></li>' for i, h in enumerate(heads))
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(p["question"])}_医保百科</title>
<meta name="description" content="{esc(p["question"])}"></head>
<body><div class="{n("nav")}"><a href="/">医保百科</a> <a href="/cat">分类</a> <a href="/edit">编辑</a></div>
<div class="{n("box")}"><h1>{esc(p["question"])}</h1>
<div class="{n("tb")}"><a href="/edit">编辑</a> <a href="#">收藏</a> <span>浏览 {2000 + p["k"]}</span></div>
<div class="{n("upd")}">更新时间:{fmt(p["updated"] or p["published"])}</div>
{"<div class='" + n("toc") + "'><div>目录</div><ol>" + toc + "</ol></div>" if toc else ""}
<div class="{n("txt")}">{dis}
{answer_html(p["blocks"], "semantic")}
{tip}</div>
<div class="{n("ref")}"><h3>参考资料</h3><ol>{"".join(f'<li><a href="https://example.org/{r["id"]}">{esc(r["title"])}</a></li>' for r in refs)}</ol></div>
<div class="{n("tags")}">词条标签:<a href="/t/1">医保</a> <a href="/t/2">社保</a></div></div>
<div class="{n("ft")}">©2024 医保百科 | 使用百科前必读 | 百科协议</div>
</body></html>"""
    noise = [r["title"] for r in refs] + ["目录", "参考资料", "词条标签", "百科协议", "使用百科前必读"]
    noise += [h for h in heads if False]
    return page, noise


def t_mip(p: dict[str, Any], n: Names) -> tuple[str, list[str]]:
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
    paras = []
    if p["disclaimer"]:
        paras.append(esc(p["disclaimer"]))
    body_html = answer_html(p["blocks"], "bold")
    page = f"""<!DOCTYPE html>
<html mip><head><meta charset="utf-8"><title>问:{esc(p["question"])} - 健康问答</title>
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body><mip-fixed type="top"><div class="{n("hd")}">健康问答 <a href="/">首页</a></div></mip-fixed>
<div class="{n("w")}"><div class="{n("ans")}">{"<br>".join(paras)}{"<br>" if paras else ""}<span>答:</span>
{body_html}
{f"<p>{esc(p['tip'])}</p>" if p["tip"] else ""}</div>
<div class="{n("sh")}"><i class="{n("i1")}"></i>微信 <i class="{n("i2")}"></i>QQ <i class="{n("i3")}"></i>微博</div>
<ul class="{n("rl")}">{"".join(f'<li><a href="/ask/{r["id"]}.html">{esc(r["title"])}</a></li>' for r in rel)}</ul></div>
<mip-img src="/banner.png"></mip-img>
<div class="{n("ft")}">健康问答网 版权所有</div>
</body></html>"""
    noise = [r["title"] for r in rel] + ["健康问答网", "微信 QQ 微博", "答:"]
    return page, noise


TEMPLATES = {
    "forum": t_forum,
    "news": t_news,
    "gov": t_gov,
    "spa": t_spa,
    "zhidao": t_zhidao,
    "wechat": t_wechat,
    "portal2": t_portal2,
    "baike": t_baike,
    "mip": t_mip,
}


def _records() -> list[dict[str, Any]]:
    """The pages to render: every seed, plus three related cards as pages, per template."""
    seeds = load_seeds()
    cards = [(s, i, c) for s in seeds for i, c in enumerate(s["cards"])]
    out = []
    for t_index, template in enumerate(TEMPLATES):
        rng = random.Random(f"evalset-{template}")
        items: list[tuple[dict, dict | None]] = [(s, None) for s in seeds]
        picks = rng.sample(range(len(cards)), 3)
        # At least one off-topic card page per template (the topic classifier must reject it).
        if all(cards[i][2]["on_topic"] for i in picks):
            picks[0] = next(
                i for i in rng.sample(range(len(cards)), len(cards)) if not cards[i][2]["on_topic"]
            )
        items += [(cards[i][0], cards[i][2]) for i in picks]
        for k, (seed, card) in enumerate(items):
            pid = f"{template}-{k:02d}"
            base = date(2023, 3, 1) + timedelta(days=37 * k + 11 * t_index)
            if card is None:
                question, blocks = seed["question"], seed["blocks"]
                has_dis = seed["disclaimer"] is not None
                on_topic = True
            else:
                question, blocks = card["title"], [{"type": "paragraph", "text": card["snippet"].strip()}]
                has_dis = False
                on_topic = card["on_topic"]
            dvariant = (k + t_index) % len(DISCLAIMERS)
            disclaimer = (DISCLAIMERS[dvariant] or seed["disclaimer"]) if has_dis else None
            has_tip = (k + t_index) % 3 != 2
            tip = (TIPS[(k + t_index) % len(TIPS)] or seed["tip"]) if has_tip else None
            others = [c for c in seed["cards"] if c["title"] != question]
            related = [
                {
                    "id": hashlib.sha1(c["title"].encode()).hexdigest()[:10],
                    "title": c["title"],
                    "snippet": c["snippet"].strip(),
                    "date": (base - timedelta(days=100 + 13 * j)).isoformat(),
                }
                for j, c in enumerate(others)
            ]
            chips = seed["chips"] or [c["title"][:8] for c in others[:5]]
            updated = base + timedelta(days=20) if template in ("news", "wechat") and k % 2 == 0 else None
            if template == "baike":
                updated = base + timedelta(days=45)
            out.append(
                {
                    "id": pid,
                    "template": template,
                    "k": k,
                    "question": question,
                    "blocks": blocks,
                    "disclaimer": disclaimer,
                    "tip": tip,
                    "published": base,
                    "updated": updated,
                    "related": related,
                    "chips": chips,
                    "on_topic": on_topic,
                }
            )
    return out


def build() -> list[dict[str, Any]]:
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in PAGES.glob("*.html"):
        old.unlink()
    truth = []
    for rec in _records():
        page, noise = TEMPLATES[rec["template"]](rec, Names(rec["id"]))
        answer = answer_text(rec["blocks"])
        if rec["template"] == "gov":
            charset = ["gb2312", "utf-8", "gbk", None][rec["k"] % 4]
            body = page.encode("gb18030")
            note = {"gb2312": "GB2312 declared", "utf-8": "GBK bytes declared UTF-8", "gbk": "GBK declared"}
            encoding_note = note.get(charset or "", "GBK, no declaration")
        else:
            body = page.encode("utf-8")
            encoding_note = "utf-8"
        (PAGES / f"{rec['id']}.html").write_bytes(body)
        truth.append(
            {
                "id": rec["id"],
                "file": f"pages/{rec['id']}.html",
                "url": f"https://{rec['template']}.example.cn/q/{rec['id']}.html",
                "template": rec["template"],
                "encoding": encoding_note,
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
        )
    TRUTH.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str]) -> int:
    truth = build()
    print(f"wrote {len(truth)} pages in {len(TEMPLATES)} templates to {PAGES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
