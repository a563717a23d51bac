"""Write the static sample site (two sites x two editions) from the committed seeds.

``python -m sample_site.generate [OUT_DIR]`` rewrites ``sample_site/site/`` (or OUT_DIR). Deterministic:
no clock, no randomness (every "random" choice is a hash of a stable key), so the committed output can be
checked by regenerating it. Layout: ``site/edition<N>/{portal,city}/<url path>`` plus
``site/edition<N>/manifest.json``, the ground truth the tests, the demo and the benchmarks read.

Why two templates: the extractor must work by what blocks ARE (相关推荐 headings, repeated link cards,
footers), never by one site's class names, so the portal varies its card markup from page to page and the
city site looks nothing like it. Why edition 2: change detection must make versions for real edits only,
never for rotated related cards or counters, which change on every page.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from sample_site.seeds import answer_text, load_seeds

SITE_DIR = Path(__file__).with_name("site")
ORIGIN = "__ORIGIN__"  # replaced by the server with http://host:port (robots.txt Sitemap line, sitemap.xml)

PORTAL_NAME = "快问医保"
CITY_NAME = "青溪市医疗保障局"
CITY_ICP = "青ICP备20190417号-1"

# The portal's own dates for the seed pages (the dumps carry none).
SEED_PUBLISHED = {
    "s000": "2025-01-06",
    "s001": "2025-03-10",
    "s002": "2025-04-15",
    "s003": "2025-03-25",
    "s004": "2025-02-20",
}
# How each seed page shows its date: meta tag, JSON-LD, visible line (variety on purpose).
SEED_DATE_STYLE = {
    "s000": ("meta", "jsonld"),
    "s001": ("jsonld",),
    "s002": ("meta", "visible"),
    "s003": ("visible",),
    "s004": ("jsonld", "visible"),
}
CITY_SEEDS = ("s001", "s003")
CITY_SEED_PUBLISHED = {"s001": "2025-03-18", "s003": "2025-04-02"}
# On-topic related cards that the city site also publishes (seed, card title).
CITY_CARDS = (
    ("s000", "上海医保住院报销比例"),
    ("s001", "医保门诊统筹如何计算的"),
    ("s001", "河南省内异地就医需要备案"),
    ("s002", "医保家庭共济政策解读"),
    ("s003", "个人医保月缴费基数"),
    ("s003", "医保卡没有余额能报销吗"),
    ("s004", "跨省医保卡能用了"),
    ("s004", "新生儿医保是几岁到几岁"),
)
CITY_CARD_DATES = (
    "2025-01-20",
    "2025-02-11",
    "2025-02-27",
    "2025-03-06",
    "2025-03-21",
    "2025-04-09",
    "2025-04-24",
    "2025-05-08",
)

# ---- edition 2 ----
UPDATED_E2 = "2025-06-10"
NUMBER_OLD, NUMBER_NEW = "3000元", "4000元"
S002_ADDED_PARAGRAPH = (
    "此外,个人账户资金不能用于购买保健品、化妆品和生活用品等非医疗物品,也不能套取现金或转借他人使用,"
    "违规使用将被追回并可能暂停个人账户使用。"
)
GONE_CARDS = (("s002", "三门医保中心咨询电话"), ("s004", "医保为啥12月份不给报销"))
TRACKING_CARD = ("s004", "怎么查看医保看病记录")
TRACKING_QUERY = "from=share"
NEAR_DUP_OF = "s001"
NEAR_DUP_OLD = "两者共同构成了医疗保险制度的重要组成部分,旨在减轻个人医疗负担并提供全面的医疗保障。"
NEAR_DUP_NEW = "两者相辅相成,共同构成了基本医疗保险制度的核心,帮助参保人减轻看病负担。"

# Hand-written pages: the two edition-2 additions and the robots-disallowed page.
NEW_PAGES: list[dict[str, Any]] = [
    {
        "key": "n001",
        "question": "灵活就业人员医保断缴后怎么补缴",
        "published": "2025-06-03",
        "related_from": "s001",
        "blocks": [
            {
                "type": "paragraph",
                "text": "灵活就业人员医保断缴后,一般可以在规定期限内申请补缴,补缴后按规定恢复医保待遇。"
                "补缴的具体方式和期限各地不同,常见做法如下:",
            },
            {
                "type": "list",
                "ordered": True,
                "items": [
                    "确认断缴月数:通过国家医保服务平台APP或当地医保经办窗口查询缴费记录。",
                    "提出补缴申请:携带身份证到参保地医保经办机构,或在线上渠道提交补缴申请。",
                    "缴纳费用:按核定的缴费基数和比例缴纳欠缴月份的医保费,部分地区不收取滞纳金。",
                ],
            },
            {
                "type": "paragraph",
                "text": "需要注意,断缴期间发生的医疗费用通常不能追溯报销,补缴后一般设有待遇等待期,"
                "因此建议按时足额缴费,避免断缴。",
            },
        ],
    },
    {
        "key": "n002",
        "question": "医保电子凭证可以给家人用吗",
        "published": "2025-06-05",
        "related_from": "s004",
        "blocks": [
            {
                "type": "paragraph",
                "text": "医保电子凭证本身只能由本人使用,但通过家庭共济可以让家人使用本人职工医保个人账户的钱。",
            },
            {"type": "heading", "text": "1. 如何为家人代用", "level": 3},
            {
                "type": "list",
                "ordered": False,
                "items": [
                    "在国家医保服务平台APP的“亲情账户”中添加配偶、父母或子女。",
                    "家人就医时出示自己的医保电子凭证,结算时可选择使用共济账户支付。",
                ],
            },
            {"type": "heading", "text": "2. 注意事项", "level": 3},
            {
                "type": "paragraph",
                "text": "不要把自己的医保电子凭证或医保卡借给他人就医,冒名就医属于骗保行为,"
                "会被追回费用并承担相应责任。",
            },
        ],
    },
]
PRIVATE_PAGE: dict[str, Any] = {
    "key": "p001",
    "question": "定点医药机构医保基金自查自纠重点有哪些",
    "published": "2025-04-28",
    "related_from": "s003",
    "blocks": [
        {
            "type": "paragraph",
            "text": "定点医药机构开展医保基金使用自查自纠,重点围绕以下几个方面进行,本页为内部培训资料。",
        },
        {
            "type": "list",
            "ordered": False,
            "items": [
                "是否存在分解住院、挂床住院、过度诊疗等违规行为。",
                "是否存在串换药品、耗材和诊疗项目,或超标准收费。",
                "进销存数据是否一致,医保结算数据与实际服务是否相符。",
            ],
        },
        {
            "type": "paragraph",
            "text": "发现问题应主动整改并退回违规使用的医保基金,建立长效管理机制。",
        },
    ],
}


def h(key: str, mod: int) -> int:
    """A stable pseudo-random number in [0, mod) for a key (the generator never uses `random`)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16) % mod


def slug(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def collapse(text: str) -> str:
    """Whitespace as a browser shows it: the card snippets of the dumps carry runs of spaces."""
    return " ".join(text.split())


@dataclass
class Card:
    """A related-card target: one Q&A page of the portal."""

    key: str
    title: str
    snippet: str
    news_date: str | None
    path: str


@dataclass
class QAPage:
    key: str  # entry key
    seed: str | None  # the seed it derives from (None: hand-written page)
    site: str
    path: str
    question: str
    blocks: list[dict[str, Any]]
    disclaimer: str | None = None
    tip: str | None = None
    chips: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    date_style: tuple[str, ...] = ()
    on_topic: bool = True
    kind: str = "qa"
    related: list[Card] = field(default_factory=list)
    canonical: bool = False


# ---------------------------------------------------------------- portal template

PORTAL_CSS = """*{margin:0;padding:0;box-sizing:border-box}body{font:15px/1.6 -apple-system,"PingFang SC",sans-serif;color:#333;background:#f5f6f7}
a{color:#333;text-decoration:none}.app-bar{position:sticky;top:0;display:flex;align-items:center;padding:8px 12px;background:#fff;border-bottom:1px solid #eee}
.app-bar .btn{margin-left:auto;background:#1f7cff;color:#fff;border-radius:14px;padding:2px 12px}
.topnav{display:flex;gap:16px;padding:8px 12px;background:#1f7cff}.topnav a{color:#fff}
.card,.box{background:#fff;margin:8px 0;padding:12px}h1{font-size:20px;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px}
.warn{background:#fff7e6;border:1px solid #ffd591;color:#8c5a00;font-size:13px;padding:8px;border-radius:4px}
.chips span{display:inline-block;background:#f0f2f5;border-radius:12px;padding:2px 10px;margin:4px}
footer{padding:16px;text-align:center;color:#999;font-size:12px}
"""
PORTAL_JS = """(function(){var b=document.getElementById('openApp');if(b){b.addEventListener('click',function(){
location.href='/app/download.html';});}
document.querySelectorAll('[data-q]').forEach(function(el){el.addEventListener('click',function(){
window._hmt&&window._hmt.push(['_trackEvent','chip','click',el.getAttribute('data-q')]);});});})();
"""


def render_blocks(blocks: list[dict[str, Any]], indent: str = "      ") -> str:
    out: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "paragraph":
            out.append(f"<p>{escape(block['text'])}</p>")
        elif kind == "heading":
            level = block.get("level", 3)
            out.append(f"<h{level}>{escape(block['text'])}</h{level}>")
        elif kind == "list":
            tag = "ol" if block["ordered"] else "ul"
            items = "".join(f"<li>{escape(item)}</li>" for item in block["items"])
            out.append(f"<{tag}>{items}</{tag}>")
        elif kind == "table":
            head, *rows = block["rows"]
            thead = "<tr>" + "".join(f"<th>{escape(c)}</th>" for c in head) + "</tr>"
            tbody = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append(f"<table><thead>{thead}</thead><tbody>{tbody}</tbody></table>")
    return "\n".join(indent + line for line in out)


def counters(path: str, edition: int) -> tuple[int, int]:
    """View and like counters: change on every page between editions (must never make a version)."""
    return 1200 + h(f"{path}|{edition}|views", 98000), 3 + h(f"{path}|{edition}|likes", 900)


def render_cards(page: QAPage, edition: int) -> str:
    """相关推荐: sibling blocks, each linking to another question. Markup varies by page on purpose."""
    style = h(page.path + "|cards", 3)
    items: list[str] = []
    for card in page.related:
        date = (
            f'<span class="src">健康新闻</span> <span class="dt">{card.news_date}</span>'
            if card.news_date
            else ""
        )
        title, snippet, href = escape(card.title), escape(card.snippet), escape(card.path)
        if style == 0:
            items.append(
                f'    <div class="rec-item"><a href="{href}"><h3 class="rec-t">{title}</h3>'
                f'<p class="rec-d">{snippet}</p></a><div class="rec-m">{date}</div></div>'
            )
        elif style == 1:
            items.append(
                f'    <li class="feed-li"><a class="tt" href="{href}">{title}</a>'
                f'<div class="ab">{snippet}</div><div class="ft">{date}</div></li>'
            )
        else:
            items.append(
                f'    <div class="qa-card"><div class="qa-card-hd"><a href="{href}">{title}</a></div>'
                f'<div class="qa-card-bd"><span>{snippet}</span></div><p class="qa-card-ft">{date}</p></div>'
            )
    heading = ['<h2 class="mod-t">相关推荐</h2>', '<div class="hd"><span>相关推荐</span></div>',
               '<p class="title-bar"><b>相关推荐</b></p>'][style]  # fmt: skip
    wrap_open, wrap_close = ('<ul class="feed">', "</ul>") if style == 1 else ('<div class="list">', "</div>")
    return (
        f'  <section class="box recommend-{style}">\n  {heading}\n  {wrap_open}\n'
        + "\n".join(items)
        + f"\n  {wrap_close}\n  </section>"
    )


def portal_head(title: str, description: str, keywords: str, extra: list[str]) -> str:
    lines = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no">',
        '<meta name="format-detection" content="telephone=no">',
        f"<title>{escape(title)}</title>",
        f'<meta name="keywords" content="{escape(keywords)}">',
        f'<meta name="description" content="{escape(description)}">',
        *extra,
        '<link rel="stylesheet" href="/static/m.css">',
        "<script>var _hmt=_hmt||[];(function(){var hm=document.createElement('script');"
        "hm.src='/static/app.js';var s=document.getElementsByTagName('script')[0];"
        "s.parentNode.insertBefore(hm,s);})();</script>",
        "</head>",
    ]
    return "\n".join(lines)


def portal_top() -> str:
    return (
        '<body id="top">\n'
        f'<div class="app-bar" id="openApp"><span class="logo">{PORTAL_NAME}</span>'
        '<span class="slogan">打开APP,查看更多医保问答</span><a class="btn" href="/app/download.html">立即打开</a></div>\n'
        '<nav class="topnav"><a href="/">首页</a><a href="/list/1.html">医保问答</a>'
        '<a href="/app/download.html">APP下载</a></nav>'
    )


def portal_footer(private_link: bool = False) -> str:
    extra = (
        ' <a class="pv" href="/private/' + slug(PRIVATE_PAGE["key"]) + '.html">内部预览</a>'
        if private_link
        else ""
    )
    return (
        f'<footer class="ft"><div class="ft-nav"><a href="/">首页</a> <a href="#top">顶部</a>{extra}</div>\n'
        f"<p>© 2025 {PORTAL_NAME} 版权所有 本站内容仅供参考</p></footer>\n"
        '<script src="/static/app.js"></script>\n</body>\n</html>\n'
    )


def render_portal_qa(page: QAPage, edition: int) -> str:
    views, likes = counters(page.path, edition)
    text = answer_text(page.blocks)
    description = collapse(text)[:90]
    extra: list[str] = [f'<meta property="og:title" content="{escape(page.question)}">',
                        '<meta property="og:type" content="article">']  # fmt: skip
    if page.canonical:
        extra.append(f'<link rel="canonical" href="{page.path}">')
    if page.published and "meta" in page.date_style:
        extra.append(f'<meta property="article:published_time" content="{page.published}T09:30:00+08:00">')
        if page.updated:
            extra.append(f'<meta property="article:modified_time" content="{page.updated}T08:00:00+08:00">')
    if page.published and "jsonld" in page.date_style:
        ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "QAPage",
            "mainEntity": {
                "@type": "Question",
                "name": page.question,
                "dateCreated": page.published,
                "answerCount": 1,
                "acceptedAnswer": {"@type": "Answer", "text": description + "…", "upvoteCount": likes},
            },
            "datePublished": page.published,
        }
        if page.updated:
            ld["dateModified"] = page.updated
        extra.append('<script type="application/ld+json">' + json.dumps(ld, ensure_ascii=False) + "</script>")
    state = {"qid": page.path.rsplit("/", 1)[-1][:-5], "pv": views, "like": likes, "ab": h(page.path, 4)}
    extra.append("<script>window.__INITIAL_STATE__=" + json.dumps(state, sort_keys=True) + ";</script>")
    parts = [
        portal_head(
            f"{page.question} - {PORTAL_NAME}", description, f"{page.question},医保,医保卡,社保", extra
        ),
        portal_top(),
        '<div class="main" id="main">',
        '  <div class="card q-card">',
        f'  <h1 class="q-title">{escape(page.question)}</h1>',
    ]
    meta_line = f'<span class="pv">{views}人看过</span>'
    if page.published and "visible" in page.date_style:
        meta_line += f' <span class="time">发布时间 {page.published}</span>'
        if page.updated:
            meta_line += f' <span class="time">更新于 {page.updated}</span>'
    elif page.published and not page.date_style:  # card pages: 健康新闻 + date, as in the related cards
        meta_line += f' <span class="src">健康新闻</span> <span class="time">{page.published}</span>'
    parts.append(f'  <div class="q-meta">{meta_line}</div>')
    if page.disclaimer:
        parts.append(f'  <div class="warn"><i class="ic-warn"></i><p>{escape(page.disclaimer)}</p></div>')
    parts += [
        '  <div class="answer rich-text">',
        render_blocks(page.blocks),
        "  </div>",
    ]
    if page.tip:
        parts.append(f'  <div class="med-tip"><p>{escape(page.tip)}</p></div>')
    parts += [
        f'  <div class="op"><span class="like">有帮助 <em>{likes}</em></span> <span class="share">分享</span></div>',
        "  </div>",
    ]
    if page.chips:
        chips = "".join(f'<span data-q="{escape(c)}">{escape(c)}</span>' for c in page.chips)
        parts.append(
            f'  <div class="box hot"><h2 class="mod-t">大家都在搜</h2><div class="chips">{chips}</div></div>'
        )
    parts.append(
        '  <div class="box ad-slot"><a href="/app/download.html">下载APP,医保问题一问就懂 &gt;</a></div>'
    )
    parts.append(render_cards(page, edition))
    parts.append("</div>")
    return "\n".join(parts) + "\n" + portal_footer()


def render_portal_listing(
    title: str, sections: list[tuple[str, list[tuple[str, str, str]]]], pager: str, edition: int, home: bool
) -> str:
    """A listing: sections of (href, title, snippet) links."""
    parts = [
        portal_head(
            f"{title} - {PORTAL_NAME}",
            f"{PORTAL_NAME}:医保报销、医保卡、社保缴费常见问题解答。",
            "医保问答,医保卡,医保报销,社保",
            [],
        ),  # fmt: skip
        portal_top(),
        '<div class="main">',
        f"  <h1>{escape(title)}</h1>",
    ]
    for name, links in sections:
        parts.append(f'  <section class="box"><h2>{escape(name)}</h2><ul class="qlist">')
        for href, text, snippet in links:
            parts.append(
                f'    <li><a href="{escape(href)}">{escape(text)}</a><p class="sn">{escape(snippet)}</p></li>'
            )
        parts.append("  </ul></section>")
    if pager:
        parts.append(f'  <div class="pager">{pager}</div>')
    parts.append("</div>")
    return "\n".join(parts) + "\n" + portal_footer(private_link=home)


def render_download() -> str:
    return (
        portal_head(f"下载{PORTAL_NAME}APP", f"下载{PORTAL_NAME}APP", "APP下载", [])
        + "\n"
        + portal_top()
        + '\n<div class="main"><div class="box"><h1>下载APP</h1><p>扫码下载,医保问题随时问。</p></div></div>\n'
        + portal_footer()
    )


# ---------------------------------------------------------------- city template


def render_city_qa(page: QAPage, others: list[tuple[str, str]], edition: int) -> str:
    views, _ = counters(page.path, edition)
    # The sidebar rotates between editions too (must never make a version).
    shift = h(f"{page.path}|{edition}|side", max(len(others), 1))
    side = others[shift:] + others[:shift]
    side_html = "\n".join(
        f'<li><a href="{escape(p)}" title="{escape(q)}">{escape(q)}</a></li>' for p, q in side
    )
    body = render_blocks(page.blocks, indent="")
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{escape(page.question)}_政策问答_{CITY_NAME}</title>
<meta name="SiteName" content="{CITY_NAME}" />
<meta name="ColumnName" content="政策问答" />
<meta name="ArticleTitle" content="{escape(page.question)}" />
<meta name="PubDate" content="{page.published} 10:00" />
<meta name="ContentSource" content="{CITY_NAME}" />
<style type="text/css">body{{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun;background:#eef3f8}}.w{{width:1100px;margin:0 auto}}
#hd{{background:#0d5fa8;color:#fff;height:90px}}#nav a{{color:#fff;padding:0 18px}}.l{{float:left;width:260px}}.r{{float:right;width:820px;background:#fff}}
.ft{{clear:both;background:#0d5fa8;color:#dfe9f5;text-align:center;padding:20px 0;font-size:12px}}</style>
<script type="text/javascript">function doZoom(s){{document.getElementById('zoom').style.fontSize=s+'px';}}</script>
</head>
<body>
<div id="hd"><div class="w"><div class="logo">{CITY_NAME}</div>
<div id="nav"><a href="/">首页</a><a href="/zcwd/">政策问答</a></div></div></div>
<div class="w">
<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/zcwd/">政策问答</a> &gt; 正文</div>
<div class="l"><div class="side-t">其他问题</div><ul class="side-list">
{side_html}
</ul></div>
<div class="r"><div class="art">
<h1 class="art-title">{escape(page.question)}</h1>
<div class="art-info">发布时间: {page.published}　来源: {CITY_NAME}　浏览次数: <span id="hits">{views}</span>　字号:[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>]</div>
<div class="art-con" id="zoom">
{body}
</div>
<div class="art-tools"><a href="javascript:window.print()">打印本页</a>　<a href="javascript:window.close()">关闭窗口</a></div>
</div></div>
</div>
<div class="ft">主办单位:{CITY_NAME}　地址:青溪市人民路88号　联系电话:0000-12345678<br />
备案号:{CITY_ICP}　网站标识码:0000000001　技术支持:青溪市大数据中心</div>
</body>
</html>
"""


def render_city_listing(title: str, links: list[tuple[str, str, str]], edition: int) -> str:
    items = "\n".join(
        f'<li><span class="date">{d}</span><a href="{escape(p)}" target="_blank">{escape(q)}</a></li>'
        for p, q, d in links
    )
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{escape(title)}_{CITY_NAME}</title>
<meta name="SiteName" content="{CITY_NAME}" />
</head>
<body>
<div id="hd"><div class="logo">{CITY_NAME}</div>
<div id="nav"><a href="/">首页</a><a href="/zcwd/">政策问答</a></div></div>
<div class="crumb">当前位置:<a href="/">首页</a> &gt; {escape(title)}</div>
<div class="list-box"><h2>政策问答</h2><ul class="news-list">
{items}
</ul></div>
<div class="ft">主办单位:{CITY_NAME}<br />备案号:{CITY_ICP}</div>
</body>
</html>
"""


# ---------------------------------------------------------------- the model of one edition


def robots(disallow: str) -> str:
    return f"User-agent: *\nDisallow: {disallow}\n\nSitemap: {ORIGIN}/sitemap.xml\n"


def sitemap(entries: list[tuple[str, str]]) -> str:
    urls = "".join(
        f"  <url><loc>{ORIGIN}{escape(path)}</loc><lastmod>{lastmod}</lastmod></url>\n"
        for path, lastmod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n"
    )


def card_key(seed_id: str, title: str) -> str:
    return f"{seed_id}-{title}"


def build_edition(edition: int) -> tuple[dict[str, str], dict[str, Any]]:
    """All files of one edition ({"portal/ask/x.html": text}) and its manifest."""
    seeds = {s["id"]: s for s in load_seeds()}
    e2 = edition == 2
    gone_keys = {card_key(*c) for c in GONE_CARDS} if e2 else set()

    # Cards of every seed, as link targets.
    seed_cards: dict[str, list[Card]] = {}
    card_meta: dict[str, dict[str, Any]] = {}
    for sid, seed in seeds.items():
        cards = []
        for card in seed["cards"]:
            key = card_key(sid, card["title"])
            c = Card(
                key, card["title"], collapse(card["snippet"]), card["news_date"], f"/ask/{slug(key)}.html"
            )
            cards.append(c)
            card_meta[key] = {"seed": sid, "on_topic": card["on_topic"]}
        seed_cards[sid] = cards

    def live(cards: list[Card]) -> list[Card]:
        return [c for c in cards if c.key not in gone_keys]

    def related_for(sid: str, exclude: str, start: int, count: int) -> list[Card]:
        """A window of the seed's cards; edition 2 rotates it, reverses it and takes a different subset."""
        pool = [c for c in live(seed_cards[sid]) if c.key != exclude]
        if e2:
            start = start + 3 + h(exclude + "|rot", 7)
            count = count - 1
            pool = pool[::-1]
        start %= len(pool)
        window = pool[start:] + pool[:start]
        return window[:count]

    pages: list[QAPage] = []
    # Seed pages.
    for sid, seed in seeds.items():
        blocks = copy.deepcopy(seed["blocks"])
        disclaimer = seed["disclaimer"]
        updated = None
        if e2 and sid == "s000":
            for block in blocks:
                if "text" in block:
                    block["text"] = block["text"].replace(NUMBER_OLD, NUMBER_NEW)
                if "items" in block:
                    block["items"] = [i.replace(NUMBER_OLD, NUMBER_NEW) for i in block["items"]]
                if "rows" in block:
                    block["rows"] = [
                        [c.replace(NUMBER_OLD, NUMBER_NEW) for c in row] for row in block["rows"]
                    ]
            updated = UPDATED_E2
        if e2 and sid == "s002":
            at = next(i for i, b in enumerate(blocks) if b["type"] == "list") + 1
            blocks.insert(at, {"type": "paragraph", "text": S002_ADDED_PARAGRAPH})
            updated = UPDATED_E2
        if e2 and sid == "s004":
            disclaimer = None
            updated = UPDATED_E2
        pages.append(
            QAPage(
                key=sid,
                seed=sid,
                site="portal",
                path=f"/ask/{seed['file'][4:20]}.html",
                question=seed["question"],
                blocks=blocks,
                disclaimer=disclaimer,
                tip=seed["tip"],
                chips=seed["chips"],
                published=SEED_PUBLISHED[sid],
                updated=updated,
                date_style=SEED_DATE_STYLE[sid],
                related=related_for(sid, "", 0, 20) if not e2 else related_for(sid, sid, 0, 18),
                canonical=True,
            )
        )
    # One page per related card.
    for sid, cards in seed_cards.items():
        for i, card in enumerate(cards):
            if card.key in gone_keys:
                continue
            pages.append(
                QAPage(
                    key=card.key,
                    seed=sid,
                    site="portal",
                    path=card.path,
                    question=card.title,
                    blocks=[{"type": "paragraph", "text": card.snippet}],
                    tip=seeds[sid]["tip"],
                    published=card.news_date,
                    on_topic=card_meta[card.key]["on_topic"],
                    related=related_for(sid, card.key, i, 10),
                )
            )
    extra_pages: list[QAPage] = []
    if e2:
        for new in NEW_PAGES:
            extra_pages.append(
                QAPage(
                    key=new["key"],
                    seed=None,
                    site="portal",
                    path=f"/ask/{slug(new['key'])}.html",
                    question=new["question"],
                    blocks=copy.deepcopy(new["blocks"]),
                    tip=seeds[new["related_from"]]["tip"],
                    published=new["published"],
                    date_style=("meta", "visible"),
                    related=related_for(new["related_from"], new["key"], 2, 12),
                    canonical=True,
                )
            )
        orig = seeds[NEAR_DUP_OF]
        dup_blocks = copy.deepcopy(orig["blocks"])
        hits = 0
        for block in dup_blocks:
            if block["type"] == "paragraph" and NEAR_DUP_OLD in block["text"]:
                block["text"] = block["text"].replace(NEAR_DUP_OLD, NEAR_DUP_NEW)
                hits += 1
        assert hits == 1, "the near-duplicate sentence must occur once"
        extra_pages.append(
            QAPage(
                key=NEAR_DUP_OF,
                seed=NEAR_DUP_OF,
                site="portal",
                path=f"/ask/{slug('copy-' + NEAR_DUP_OF)}.html",
                question=orig["question"],
                blocks=dup_blocks,
                tip=orig["tip"],
                published="2025-05-30",
                date_style=("jsonld",),
                related=related_for(NEAR_DUP_OF, "copy", 5, 14),
            )
        )
    private = QAPage(
        key=PRIVATE_PAGE["key"],
        seed=None,
        site="portal",
        path=f"/private/{slug(PRIVATE_PAGE['key'])}.html",
        question=PRIVATE_PAGE["question"],
        blocks=copy.deepcopy(PRIVATE_PAGE["blocks"]),
        tip=seeds[PRIVATE_PAGE["related_from"]]["tip"],
        published=PRIVATE_PAGE["published"],
        date_style=("meta",),
        kind="robots_disallowed",
        related=related_for(PRIVATE_PAGE["related_from"], "private", 1, 10),
    )
    portal_qa = pages + extra_pages

    # City pages: two seeds and eight on-topic cards, no portal noise, no disclaimer, no tip.
    city_pages: list[QAPage] = []
    for n, sid in enumerate(CITY_SEEDS):
        seed = seeds[sid]
        city_pages.append(
            QAPage(
                key=sid,
                seed=sid,
                site="city",
                path=f"/zcwd/t{CITY_SEED_PUBLISHED[sid].replace('-', '')}_{n + 1:06d}.html",
                question=seed["question"],
                blocks=copy.deepcopy(seed["blocks"]),
                published=CITY_SEED_PUBLISHED[sid],
            )
        )
    for n, ((sid, title), date) in enumerate(zip(CITY_CARDS, CITY_CARD_DATES, strict=True)):
        key = card_key(sid, title)
        card = next(c for c in seed_cards[sid] if c.key == key)
        assert card_meta[key]["on_topic"] and key not in {card_key(*g) for g in GONE_CARDS}
        city_pages.append(
            QAPage(
                key=key,
                seed=sid,
                site="city",
                path=f"/zcwd/t{date.replace('-', '')}_{n + 3:06d}.html",
                question=card.title,
                blocks=[{"type": "paragraph", "text": card.snippet}],
                published=date,
            )
        )

    files: dict[str, str] = {}
    manifest_pages: list[dict[str, Any]] = []

    def add_qa(page: QAPage, text: str) -> None:
        files[f"{page.site}{page.path}"] = text
        manifest_pages.append(
            {
                "site": page.site,
                "path": page.path,
                "kind": page.kind,
                "seed": page.seed,
                "entry_key": page.key,
                "question": page.question,
                "answer": answer_text(page.blocks),
                "answer_blocks": page.blocks,
                "has_verification_disclaimer": page.disclaimer is not None,
                "has_medical_tip": page.tip is not None,
                "published": page.published,
                "updated": page.updated,
                "is_medical_insurance": page.on_topic,
                "flags": ["needs_verification"] if page.disclaimer else [],
            }
        )

    def add_other(site: str, path: str, kind: str, text: str) -> None:
        rel = path + "index.html" if path.endswith("/") else path
        files[f"{site}{rel}"] = text
        manifest_pages.append({"site": site, "path": path, "kind": kind})

    for page in portal_qa + [private]:
        add_qa(page, render_portal_qa(page, edition))

    # Portal listings: home (seeds, latest, shared) + paginated full list.
    def snip(page: QAPage) -> str:
        return collapse(answer_text(page.blocks))[:60] + "…"

    public = [p for p in portal_qa]
    per_page = 20
    n_lists = (len(public) + per_page - 1) // per_page
    for n in range(n_lists):
        chunk = public[n * per_page : (n + 1) * per_page]
        links = [(p.path, p.question, snip(p)) for p in chunk]
        pager = " ".join(
            f'<a href="/list/{k + 1}.html">{"[" + str(k + 1) + "]" if k == n else k + 1}</a>'
            for k in range(n_lists)
        )
        add_other("portal", f"/list/{n + 1}.html", "listing",
                  render_portal_listing(f"医保问答 第{n + 1}页", [("全部问答", links)], pager, edition, False))  # fmt: skip
    sections = [("热门问答", [(p.path, p.question, snip(p)) for p in pages[:5]])]
    if e2:
        latest = [(p.path, p.question, snip(p)) for p in extra_pages]
        sections.append(("最新问答", latest))
        tracked = next(p for p in pages if p.key == card_key(*TRACKING_CARD))
        sections.append(("分享热榜", [(f"{tracked.path}?{TRACKING_QUERY}", tracked.question, snip(tracked))]))
    add_other("portal", "/", "listing",
              render_portal_listing(f"{PORTAL_NAME} - 医保问题一问就懂", sections, '<a href="/list/1.html">查看全部问答 &gt;</a>', edition, True))  # fmt: skip
    add_other("portal", "/app/download.html", "other", render_download())
    add_other("portal", "/static/m.css", "asset", PORTAL_CSS)
    add_other("portal", "/static/app.js", "asset", PORTAL_JS)
    add_other("portal", "/robots.txt", "robots", robots("/private/"))
    base = "2025-06-01" if e2 else "2025-05-01"
    portal_sitemap = [("/", base)] + [(f"/list/{n + 1}.html", base) for n in range(n_lists)]
    portal_sitemap += [(p.path, p.updated or p.published or base) for p in public]
    add_other("portal", "/sitemap.xml", "sitemap", sitemap(portal_sitemap))

    # City.
    titles = [(p.path, p.question) for p in city_pages]
    for page in city_pages:
        add_qa(page, render_city_qa(page, [t for t in titles if t[0] != page.path], edition))
    by_date = sorted(city_pages, key=lambda p: (p.published or "", p.path), reverse=True)
    listing = [(p.path, p.question, p.published or "") for p in by_date]
    add_other("city", "/", "listing", render_city_listing("首页", listing[:6], edition))
    add_other("city", "/zcwd/", "listing", render_city_listing("政策问答", listing, edition))
    add_other("city", "/robots.txt", "robots", robots("/admin/"))
    city_sitemap = [("/", base), ("/zcwd/", base)] + [(p.path, p.published or base) for p in city_pages]
    add_other("city", "/sitemap.xml", "sitemap", sitemap(city_sitemap))

    manifest: dict[str, Any] = {"edition": edition, "pages": manifest_pages}
    if e2:
        path_of = {p.key: p.path for p in pages}
        manifest["changes"] = {
            "changed": [
                {
                    "site": "portal",
                    "path": path_of["s000"],
                    "entry_key": "s000",
                    "what": "number",
                    "old": NUMBER_OLD,
                    "new": NUMBER_NEW,
                },
                {
                    "site": "portal",
                    "path": path_of["s002"],
                    "entry_key": "s002",
                    "what": "paragraph",
                    "added": S002_ADDED_PARAGRAPH,
                },
                {
                    "site": "portal",
                    "path": path_of["s004"],
                    "entry_key": "s004",
                    "what": "disclaimer",
                    "removed": seeds["s004"]["disclaimer"],
                },
            ],  # fmt: skip
            "gone": [
                {"site": "portal", "path": f"/ask/{slug(card_key(*g))}.html", "entry_key": card_key(*g)}
                for g in GONE_CARDS
            ],
            "added": [{"site": "portal", "path": p.path, "entry_key": p.key} for p in extra_pages[:2]],
            "tracking_url": {
                "site": "portal",
                "path": path_of[card_key(*TRACKING_CARD)],
                "query": TRACKING_QUERY,
            },
            "near_duplicate": {
                "site": "portal",
                "path": extra_pages[2].path,
                "copy_of": {"site": "portal", "path": path_of[NEAR_DUP_OF]},
                "old_sentence": NEAR_DUP_OLD,
                "new_sentence": NEAR_DUP_NEW,
            },
            "noise": "every page: related cards / sidebar rotated and counters changed (no version)",
        }
    return files, manifest


def write_site(out: Path = SITE_DIR) -> int:
    """(Re)write both editions under ``out``; returns the number of files written."""
    if out.exists():
        shutil.rmtree(out)
    count = 0
    for edition in (1, 2):
        files, manifest = build_edition(edition)
        root = out / f"edition{edition}"
        for rel, text in sorted(files.items()):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            count += 1
        (root / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n"
        )
        count += 1
    return count


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else SITE_DIR
    count = write_site(out)
    print(f"wrote {count} files under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
