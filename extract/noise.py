"""Find and remove a page's noise by what it is, never by a site's class names or ids.

Noise kinds: sections under a recommendation / comment heading (相关推荐, 大家都在搜, 相关问题,
网友评论 …), runs of same-shape sibling cards that each link to another page, breadcrumbs,
print / close links, share bars, app banners, footers (ICP lines, 版权所有), and structural
boilerplate (nav, aside, footer, forms). The links of removed recommendation blocks are kept as
``related``: they are the crawler's best discovery links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.notices import is_disclaimer, is_tip
from extract.text import compact, element_text, page_link, squash

# Headings of recommendation / search-chip / comment blocks. Matched against the heading's whole
# text after punctuation and "更多 >" decorations are stripped.
_STRONG_HEADINGS = {
    "相关推荐", "大家都在搜", "猜你喜欢", "相关阅读", "热门推荐", "热点问答", "相关问题", "延伸阅读",
    "推荐阅读", "大家还在看", "你可能还想了解", "您可能还想了解", "你可能感兴趣", "您可能感兴趣",
    "你可能也喜欢", "可能感兴趣", "相关文章", "相关问答", "热门问答", "热门问题", "热门文章",
    "热门资讯", "最新文章", "最新问答", "精彩推荐", "为你推荐", "为您推荐", "更多推荐", "相关搜索",
    "热门搜索", "大家都在看", "大家都在问", "看了又看", "其他问题", "其它问题", "相关链接", "相关新闻",
    "相关资讯", "推荐问答", "推荐文章", "猜你想问", "猜你想看", "相关专题", "更多问题", "更多问答",
    "更多相关", "精选推荐", "热搜", "热搜榜", "热门标签", "相关标签", "同类问题", "类似问题", "相似问题",
    "其他人还在问", "大家还在问", "大家还在搜", "网友还在问", "你可能还想问", "您可能还想问", "相关知识",
    "热门关注", "本周热门", "今日热点", "排行榜", "阅读排行", "点击排行", "热门排行", "最新发布",
    "最新更新", "相关视频", "推荐视频", "相关话题", "热门话题", "友情链接", "相关政策解读", "相关稿件",
    "网友评论", "全部评论", "热门评论", "最新评论", "发表评论", "精彩评论", "用户评论", "评论区",
    "我要评论", "网友留言", "留言板", "我要留言", "评论", "留言", "网友回复", "全部回复", "热门回复",
    "分享热榜", "热榜", "热门榜单", "人气榜", "目录", "本页目录", "文章目录", "内容目录",
}  # fmt: skip
_GENERIC_HEADING = re.compile(
    r"^(相关|热门|热点|推荐|猜你|大家|延伸|更多|其他|其它|最新|精彩|为你|为您|你可能|您可能|看了|网友|全部|"
    r"精选|同类|相似|类似|本周|今日|热搜|相关的|分享|人气|点击|阅读)"
    r"[\u4e00-\u9fff]{0,6}"
    r"(推荐|阅读|问题|问答|文章|搜索|在搜|在看|在问|还看|喜欢|感兴趣|了解|评论|资讯|新闻|链接|专题|话题|"
    r"回答|帖子|标签|留言|回复|排行|想问|关注|热点|热榜|榜单|排行榜|报道)$"
)
_ANSWERS_HEADING = re.compile(r"^(全部|网友|最佳|精选|优质|专业|医生|专家|官方)?(回答|答案|解答)$")
_COMMENT_HEADING = re.compile(r"^(共?\d+条?(评论|留言|回复)|(评论|留言|回复)(\d+条?)?)$")
_COUNT = re.compile(r"[(（\[【]?\d+[条个人]?[)）\]】]?")
_DECOR = re.compile(
    r"(查看更多|更多>*|换一换|换一批|more|MORE|More)$|[\s:：>»›<«‹\-—_|·•●◆■□▪【】\[\]()（）《》「」'\"“”+/]+"
)


def heading_key(text: str) -> str:
    """A heading's text without decorations or counts, for matching against the noise headings."""
    key = _COUNT.sub("", compact(text))
    for _ in range(2):
        key = _DECOR.sub("", key)
    return key


def is_noise_heading(text: str) -> bool:
    key = heading_key(text)
    if not key or len(key) > 14:
        return False
    if _ANSWERS_HEADING.match(key):
        return False  # "全部回答 (3)" heads the answers themselves
    for k in (key, re.sub(r"^(点击)?(查看)?更多", "", key)):
        if k in _STRONG_HEADINGS or _GENERIC_HEADING.match(k) or _COMMENT_HEADING.match(k):
            return True
    return False


# Short blocks that are boilerplate by their words.
_BREADCRUMB = re.compile(
    r"^(当前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在位置|所在位置|位置)\s*[:：]"
)
_CRUMB_TRAIL = re.compile(r"^首页\s*(>|&gt;|›|»|/|>>|＞)")
_PRINT = re.compile(
    r"打印(本页|此页|本文|全文|文章)|关闭窗口|关闭本页|【打印】|【关闭】|\[打印\]|\[关闭\]|字号\s*[:：]|【字体|"
    r"字体\s*[:：]\s*[大中小]|(发送|推荐|转发)给(朋友|好友)"
)
_SHARE = re.compile(
    r"^(分享到|分享至|分享|一键分享)\s*[:：]?|微信\s*微博|微博\s*微信|QQ空间|朋友圈\s*(微博|QQ)"
)
_APP = re.compile(
    r"打开APP|下载APP|APP下载|立即打开|扫码下载|打开App|下载App|App下载|打开客户端|下载客户端", re.I
)
_FOOTER = re.compile(
    r"ICP备|ICP证|版权所有|Copyright|©|主办单位|承办单位|网站标识码|技术支持\s*[:：]|公网安备|备案号|"
    r"首页\s*顶部|返回顶部|回到顶部|网站地图|关于我们|联系我们|免责声明|仅提供信息存储空间服务|"
    r"^[(（]?(责任)?编辑[:：]\S{1,8}[)）]?\s*返回\S{1,8}[,，]\s*查看更多$",
    re.I,
)
_META_LINE = re.compile(
    r"^(发布时间|发布日期|发表时间|更新时间|更新日期|来源|文章来源|信息来源|浏览次数|阅读量|阅读次数|点击数|点击量|"
    r"访问量|作者|责任编辑|编辑|审核|供稿|日期|时间)\s*[:：]"
    r"|^\d+\s*(人|次)(看过|浏览|阅读|觉得有用|赞同|关注|收藏)"
    r"|^(有帮助|没帮助|有用|没用|赞|踩|点赞|收藏|举报|纠错)\s*\d*\s*$"
    r"|^(上一篇|下一篇|上一条|下一条)\s*[:：]"
)
_PAGER = re.compile(r"^(上一页|下一页|首页|尾页|末页|共\d*页|第\d*页|[\d\s\[\]【】<>«»…．.|/]|&gt;|&lt;)+$")
_FOLLOW = re.compile(r"二维码|扫码关注|扫一扫|关注公众号|关注我们|长按识别|识别图中|微信公众号|阅读原文")
# Labels that stand alone on a line: "最佳答案", "答", "已解决".
_LABELS = {
    "最佳答案", "满意答案", "推荐答案", "优质回答", "精选回答", "专业回答", "官方回答", "最佳回答", "提问者采纳",
    "已采纳", "已解决", "待解决", "答", "问", "解答", "回答", "问题", "答案", "原创", "置顶", "精华", "热门",
    "正文", "全文", "展开全文", "收起", "展开", "查看全部", "点击展开", "阅读全文", "返回", "返回列表", "返回首页",
    "广告", "推广", "赞助", "点赞", "在看", "收藏", "转发", "评论", "举报", "分享",
}  # fmt: skip
_DATE_ANY = re.compile(
    r"((19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)"
    r"(\s*\d{1,2}:\d{2}(:\d{2})?)?"
)
_BYLINE_WORDS = re.compile(
    r"(发布|回答|更新|编辑|提问|发表|修改|创建|评论|回复|采纳)(于|时间|日期)?|来源|作者|原创|已解决|已采纳|"
    r"浏览|阅读|点击|次|人|赞|[:：·•|/\-—()（）\[\]【】,，\s]"
)
_BYLINE_KEY = re.compile(
    r"(发布|回答|更新|编辑|提问|发表|修改|创建|评论|回复|采纳)于|来源|作者|原创|已解决|已采纳|发布时间|更新时间"
)
_COUNTER_WORDS = re.compile(
    r"\d+(\.\d+)?|[万千wWkK+]|个|次|人|条|回答|浏览|阅读|关注|点赞|评论|收藏|赞同|看过|播放|参与|已有|粉丝|获赞|反对|"
    r"有用|没用|有帮助|没帮助|赞|踩|分享|转发|举报|[:：·•|/\-—()（）\[\]【】,，\s]"
)
_LOADING = re.compile(r"^(加载中|正在加载|数据加载中|loading|请稍候|请开启JavaScript.*)[.。…]*$", re.I)
_SHARE_ONLY = re.compile(
    r"^((分享到|分享至|分享|微信|朋友圈|微博|新浪微博|QQ空间|QQ|qq|豆瓣|复制链接|海报|知乎|钉钉|收藏|打印)\s*[:：|/·]?\s*){2,}$"
)
_USER_PATH = re.compile(
    r"/(user|users|u|space|member|members|people|profile|home|uid|author|tag|tags)/", re.I
)

_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "form", "button", "select", "textarea", "input",
    "nav", "aside", "footer", "svg", "canvas", "object", "embed", "audio", "video", "map", "dialog", "link",
    "meta",
)  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _is_byline(text: str) -> bool:
    """A dateline or byline: a date plus a few words like 发布于 / 回答于 / 来源 / 已解决 / a name."""
    if not _DATE_ANY.search(text):
        return False
    if re.search(r"[。！？；!?;]", text):
        return False
    has_word = bool(_BYLINE_KEY.search(text))
    rest = _BYLINE_WORDS.sub("", _DATE_ANY.sub("", text))
    rest = re.sub(r"\d+", "", rest)
    return len(rest) <= (12 if has_word else 3)


def _is_counter(text: str) -> bool:
    """A line of counters: "3 个回答 · 1037 次浏览", "有用(23) 没用", "已有12人参与"."""
    if not re.search(r"\d", text) or len(text) > 60:
        return False
    return not _COUNTER_WORDS.sub("", text)


def is_noise_line(text: str, weak: bool = True) -> bool:
    """A short block that is boilerplate: breadcrumb, print/close, share, app banner, footer, meta line.

    ``weak=False`` leaves out the rules that could hit a table cell or list item of an answer
    (bylines, counters, lone labels, bare headings).
    """
    t = squash(text)
    if not t:
        return False
    if len(t) <= 200 and (_BREADCRUMB.match(t) or _CRUMB_TRAIL.match(t) or _META_LINE.search(t)):
        return True
    if len(t) <= 120 and (_PRINT.search(t) or _APP.search(t)):
        return True
    if len(t) <= 60 and _SHARE.search(t):
        return True
    if len(t) <= 400 and _FOOTER.search(t):
        return True
    if len(t) <= 120 and _PAGER.match(t) and (sum(ch.isdigit() for ch in t) >= 2 or "下一页" in t):
        return True
    if len(t) <= 60 and _FOLLOW.search(t):
        return True
    if not weak:
        return False
    if compact(t).rstrip(":：") in _LABELS or _LOADING.match(t) or _SHARE_ONLY.match(t):
        return True
    if len(t) <= 80 and (_is_byline(t) or _is_counter(t)):
        return True
    return is_noise_heading(t)


@dataclass
class NoiseReport:
    """What the cleaning found: related links, card counts (for page typing), removed text size."""

    related: list[dict[str, str]] = field(default_factory=list)
    card_runs: int = 0
    cards: int = 0
    card_chars: int = 0
    removed_sections: int = 0
    section_links: int = 0
    _seen: set[str] = field(default_factory=set)

    def add_links(self, el, base: str, self_url: str) -> None:
        for a in el.iter("a"):
            url = page_link(a.get("href"), base)
            title = element_text(a, 200) or squash(a.get("title"))
            if not url or url == self_url or url in self._seen or len(compact(title)) < 4:
                continue
            if _USER_PATH.search(url):
                continue
            self._seen.add(url)
            self.related.append({"title": title[:200], "url": url})


def _is_el(el) -> bool:
    return isinstance(el.tag, str)


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    try:
        el.drop_tree()
    except (AttributeError, ValueError):
        parent.remove(el)


def _own_texts(el) -> list[str]:
    """Text chunks that belong to ``el`` itself: its text and its children's tails."""
    out = [el.text or ""]
    out += [child.tail or "" for child in el]
    return [t for t in out if t.strip()]


def _contains(el, targets: list) -> bool:
    return any(t is el or _is_ancestor(el, t) for t in targets)


def _is_ancestor(el, node) -> bool:
    p = node.getparent()
    while p is not None:
        if p is el:
            return True
        p = p.getparent()
    return False


def _first_text_child(parent, child) -> bool:
    """True when nothing with text comes before ``child`` inside ``parent``."""
    if (parent.text or "").strip():
        return False
    for sib in parent:
        if sib is child:
            return True
        if not _is_el(sib):
            continue
        if element_text(sib, 5) or (sib.tail or "").strip():
            return False
    return True


def _heading_element(el, key: str):
    """Climb from the element holding the heading text to the outermost one with only that text."""
    node = el
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        if sum(1 for _ in parent.iter()) > 12:
            break
        if heading_key(element_text(parent, 80)) != key:
            break
        node = parent
    return node


def _section_like(nodes: list, base: str, self_url: str) -> bool:
    """Nodes that read like a recommendation / comment section: short, link-dense, or cards.

    Real content (an article body beside the 相关链接 box of an old table layout) is long text with
    few links: a section heading never swallows it.
    """
    text = sum(len(compact(element_text(n, 6000))) for n in nodes)
    if text <= 150:
        return True
    links = 0
    linked = 0
    for n in nodes:
        for a in n.iter("a"):
            if page_link(a.get("href"), base):
                links += 1
                linked += len(compact(element_text(a, 300)))
    if linked >= 0.3 * text:
        return True
    if links < 3 or (text - linked) / links > 300:
        return False
    return all(_cards_like(n, base) for n in nodes if len(compact(element_text(n, 200))) > 150)


def _cards_like(node, base: str) -> bool:
    """Most text-bearing children each hold a link: a list of cards, not an article with a few links."""
    for _ in range(6):
        kids = [c for c in node if _is_el(c)]
        if len(kids) != 1:
            break
        node = kids[0]
    kids = [c for c in node if _is_el(c) and element_text(c, 20)]
    if len(kids) < 3:
        return False
    with_link = sum(1 for c in kids if any(page_link(a.get("href"), base) for a in c.iter("a")))
    return with_link >= 0.6 * len(kids)


def _link_density(el) -> float:
    total = len(compact(element_text(el, 4000)))
    if not total:
        return 0.0
    linked = sum(len(compact(element_text(a, 400))) for a in el.iter("a"))
    return min(1.0, linked / total)


def _remove_heading_sections(root, base: str, self_url: str, protected: list, report: NoiseReport) -> None:
    headings = []
    for el in root.iter():
        if not _is_el(el) or el.tag in ("html", "body", "head", "title", "a"):
            continue
        for chunk in _own_texts(el):
            if len(chunk) <= 40 and is_noise_heading(chunk):
                key = heading_key(chunk)
                if heading_key(element_text(el, 80)) == key:
                    headings.append((_heading_element(el, key), key))
                break
    done: set[int] = set()
    for head, _key in headings:
        if id(head) in done or head.getparent() is None or _contains(head, protected):
            continue
        # Climb while the heading opens its container: the container is the section.
        node = head
        for _ in range(6):
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html") or _contains(parent, protected):
                break
            if not _first_text_child(parent, node):
                break
            if not _section_like([c for c in parent if _is_el(c) and c is not node], base, self_url):
                break  # the container holds real content besides this section: stop here
            node = parent
        if node is not head:
            before = len(report.related)
            report.add_links(node, base, self_url)
            report.section_links += len(report.related) - before
            report.removed_sections += 1
            done.add(id(node))
            _drop(node)
            continue
        # The heading sits mid-container: drop it and the siblings it heads.
        parent = head.getparent()
        victims = [head]
        for sib in head.itersiblings():
            if not _is_el(sib):
                continue
            if _contains(sib, protected):
                break
            if sib.tag in _HEADING_TAGS and not is_noise_heading(element_text(sib, 60)):
                break
            if not _section_like([sib], base, self_url):
                break
            victims.append(sib)
        if len(victims) == 1:
            continue  # heads no cards: left in place, so the answer's cut still happens at it
        before = len(report.related)
        for v in victims:
            report.add_links(v, base, self_url)
            done.add(id(v))
            _drop(v)
        report.section_links += len(report.related) - before
        report.removed_sections += 1
        del parent


def _signature(el) -> tuple:
    return (el.tag, tuple(c.tag for c in el if _is_el(c))[:8])


_CARD_MAX = 800  # a card is a title and a snippet: an article body is never one


def _card_link(el, base: str, self_url: str) -> bool:
    """A card links to another page with a title-like text (not a username or a menu word)."""
    if len(element_text(el, _CARD_MAX + 50)) > _CARD_MAX:
        return False
    links = [el] if el.tag == "a" else list(el.iter("a"))
    for a in links[:6]:
        url = page_link(a.get("href"), base)
        if not url or url == self_url or _USER_PATH.search(url):
            continue
        title = compact(element_text(a, 200) or a.get("title") or "")
        if len(title) >= 6:
            return True
    return False


def _same_shape(a, b) -> bool:
    """Siblings of one kind: same tag and the same class attribute or the same child tags."""
    if a.tag != b.tag:
        return False
    sa, sb = _signature(a), _signature(b)
    if sa == sb:
        return True
    ca, cb = (a.get("class") or "").strip(), (b.get("class") or "").strip()
    if not ca or ca != cb:
        return False
    # Same class, a child more or less (an image, a date): still one kind of card.
    ta, tb = set(sa[1]), set(sb[1])
    return bool(ta | tb) and len(ta & tb) >= 0.6 * len(ta | tb) and abs(len(sa[1]) - len(sb[1])) <= 2


def _is_filler(el) -> bool:
    """A divider or empty spacer between cards (hr, br, an empty div): it does not break a run."""
    return el.tag in ("hr", "br") or (not element_text(el, 5) and next(el.iter("img"), None) is None)


def _alternating_run(kids: list, base: str, self_url: str, protected: list) -> list:
    """Cards split over two siblings, title then snippet (<dt><a>…</a></dt><dd>…</dd>), >= 3 pairs."""
    start = next((i for i, k in enumerate(kids) if _card_link(k, base, self_url)), None)
    if start is None or len(kids) - start < 6:
        return []
    a, b = kids[start], kids[start + 1]
    if _card_link(b, base, self_url) or a.tag in _HEADING_TAGS:
        return []
    out: list = []
    for i in range(start, len(kids) - 1, 2):
        title, body = kids[i], kids[i + 1]
        if not (_same_shape(title, a) and _same_shape(body, b) and _card_link(title, base, self_url)):
            break
        if _card_link(body, base, self_url) or _contains(title, protected) or _contains(body, protected):
            break
        out += [title, body]
    return out if len(out) >= 6 else []


def find_card_runs(root, base: str, self_url: str, protected: list) -> list[list]:
    """Runs (>=3) of consecutive same-shape siblings that each link to another page."""
    runs: list[list] = []
    for parent in root.iter():
        if not _is_el(parent) or parent.tag in ("table", "tbody", "thead", "tr", "head"):
            continue
        kids = [c for c in parent if _is_el(c)]
        if len(kids) < 3:
            continue
        run: list = []
        for kid in kids + [None]:
            if kid is not None and run and _is_filler(kid):
                continue
            if kid is not None and kid.tag not in _HEADING_TAGS and not _contains(kid, protected):
                if _card_link(kid, base, self_url):
                    if run and _same_shape(run[-1], kid):
                        run.append(kid)
                        continue
                    if len(run) >= 3:
                        runs.append(run)
                    run = [kid]
                    continue
            if len(run) >= 3:
                runs.append(run)
            run = []
        if not any(r[0].getparent() is parent for r in runs):
            pairs = _alternating_run(kids, base, self_url, protected)
            if pairs:
                runs.append(pairs)
    # Keep the outermost runs only (a card may itself hold a run of links).
    out = []
    members = {id(el) for run in runs for el in run}
    for run in runs:
        if any(_has_ancestor_in(el, members) for el in run[:1]):
            continue
        out.append(run)
    return out


_TIME = re.compile(
    r"\d{1,2}:\d{2}|\d+\s*(秒|分钟|小时|天|周|个月|月|年)前|昨天|前天|刚刚|(19|20)\d{2}[-/.年]\d{1,2}"
)
_REPLY = re.compile(r"回复|点赞|赞\s*\(?\d|举报|\d+\s*楼|#\d+|沙发|板凳|楼主|网友|游客|匿名")


def find_comment_runs(root, protected: list) -> list[list]:
    """Runs (>=2) of same-shape siblings that read like comments: a time stamp plus 回复 / 赞 / 楼."""
    runs: list[list] = []
    for parent in root.iter():
        if not _is_el(parent) or parent.tag in ("table", "tbody", "thead", "tr", "head", "html"):
            continue
        kids = [c for c in parent if _is_el(c) and not _is_filler(c)]
        if len(kids) < 2:
            continue
        run: list = []
        for kid in kids + [None]:
            ok = False
            if kid is not None and not _contains(kid, protected) and kid.tag not in _HEADING_TAGS:
                text = element_text(kid, 600)
                ok = len(text) <= 600 and bool(_TIME.search(text)) and bool(_REPLY.search(text))
            if ok and (not run or _same_shape(run[-1], kid)):
                run.append(kid)
                continue
            if len(run) >= 2:
                runs.append(run)
            run = [kid] if ok else []
    members = {id(el) for run in runs for el in run}
    return [run for run in runs if not _has_ancestor_in(run[0], members)]


def _has_ancestor_in(el, ids: set[int]) -> bool:
    p = el.getparent()
    while p is not None:
        if id(p) in ids:
            return True
        p = p.getparent()
    return False


def remove_card_runs(runs: list[list], base: str, self_url: str, report: NoiseReport) -> None:
    for run in runs:
        report.card_runs += 1
        report.cards += len(run)
        parent = run[0].getparent()
        for el in run:
            report.card_chars += len(compact(element_text(el, 4000)))
            report.add_links(el, base, self_url)
            _drop(el)
        # A container left with nothing but a heading or decoration goes too.
        if (
            parent is not None
            and parent.tag not in ("body", "html")
            and len(compact(element_text(parent, 60))) < 30
        ):
            _drop(parent)


def _remove_boilerplate_blocks(root, protected: list) -> list[str]:
    """Breadcrumbs, print/close, share bars, app banners, footers, meta lines: smallest whole block.

    Returns the datelines among them (in page order): an unlabelled "2024-03-05 · 已解决" under the
    title is the page's own date.
    """
    victims = []
    datelines: list[str] = []
    for el in root.iter():
        if not _is_el(el) or el.tag in ("html", "body", "head", "title") or el.tag in _HEADING_TAGS:
            continue
        own = "".join(_own_texts(el))
        if not own.strip():
            continue
        text = element_text(el, 420)
        weak = el.tag not in ("td", "th", "li", "tr", "dd", "dt")
        if len(text) > 400 or not is_noise_line(text, weak) or is_noise_heading(text):
            continue
        if is_disclaimer(text) or is_tip(text):
            continue  # reported as flags by the caller, not silently dropped
        if _contains(el, protected):
            continue
        victims.append(el)
        if _is_byline(text):
            datelines.append(text)
    for el in victims:
        if el.getparent() is not None:
            # Climb to the enclosing block while it holds nothing else.
            node = el
            for _ in range(3):
                parent = node.getparent()
                if parent is None or parent.tag in ("body", "html") or _contains(parent, protected):
                    break
                if len(element_text(parent, 420)) > len(element_text(node, 420)) + 10:
                    break
                node = parent
            _drop(node)
    return datelines


def drop_before(root, anchor) -> None:
    """Remove what precedes the page's title heading (logo, nav, breadcrumb, banners).

    Everything before the question's h1 in document order is page furniture: the answer comes after
    the question. The h1's ancestors stay; their earlier children go.
    """
    body = root.find("body")
    if anchor is None or body is None:
        return
    path = [anchor]
    while path[-1] is not body:
        parent = path[-1].getparent()
        if parent is None:
            return
        path.append(parent)
    for child_on_path, ancestor in zip(path, path[1:], strict=False):
        ancestor.text = None
        for sib in list(child_on_path.itersiblings(preceding=True)):
            ancestor.remove(sib)


def _remove_tocs(root, protected: list) -> None:
    """Tables of contents: lists whose every item is a link to an anchor on the same page."""
    for lst in list(root.iter("ul", "ol")):
        if lst.getparent() is None or _contains(lst, protected):
            continue
        items = [li for li in lst if _is_el(li) and li.tag == "li"]
        if len(items) < 3:
            continue
        anchored = 0
        for li in items:
            links = list(li.iter("a"))
            href = (links[0].get("href") or "").strip() if links else ""
            if href.startswith("#") and len(element_text(li, 80)) <= len(element_text(links[0], 80)) + 4:
                anchored += 1
        if anchored == len(items):
            _drop(lst)


def clean_structure(root, base: str, self_url: str, protected: list) -> NoiseReport:
    """First stage: furniture before the title, boilerplate tags, noise-headed sections, card runs.

    Dates are read between this stage and :func:`clean_lines` (which drops the 发布时间 lines).
    """
    report = NoiseReport()
    drop_before(root, protected[0] if protected else None)
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is None or _contains(el, protected):
            continue
        # Old ASP.NET pages wrap the whole page (comment box included) in one <form>: only small
        # forms are noise; a big one loses its controls, not its text.
        if el.tag == "form" and len(element_text(el, 1200)) > 1000:
            continue
        _drop(el)
    for el in list(root.iter("header")):
        if el.getparent() is not None and not _contains(el, protected):
            _drop(el)
    _remove_heading_sections(root, base, self_url, protected, report)
    remove_card_runs(find_card_runs(root, base, self_url, protected), base, self_url, report)
    _remove_tocs(root, protected)
    for run in find_comment_runs(root, protected):
        for el in run:
            _drop(el)
    return report


def clean_lines(root, protected: list) -> list[str]:
    """Second stage: breadcrumbs, print/close, share bars, bylines, footers, as whole blocks."""
    return _remove_boilerplate_blocks(root, protected)


_BLOCKISH = {
    "p",
    "div",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "form",
}


def _is_layout_table(table) -> bool:
    """A table used for page layout: cells hold blocks or other tables, or there is only one column."""
    rows = [r for r in table.iter("tr")]
    if not rows:
        return True
    for cell in table.iter("td", "th"):
        for el in cell.iter():
            if el is not cell and isinstance(el.tag, str) and el.tag in _BLOCKISH:
                return True
        if sum(1 for _ in cell.iter("br")) >= 2:
            return True
    widths = [sum(1 for c in r if isinstance(c.tag, str) and c.tag in ("td", "th")) for r in rows]
    return max(widths) <= 1


def _nearest_table(el):
    p = el.getparent()
    while p is not None and p.tag != "table":
        p = p.getparent()
    return p


def unwrap_layout_tables(root) -> None:
    """Turn layout tables into plain divs, so only data tables reach the answer as tables."""
    for table in reversed(list(root.iter("table"))):
        if not _is_layout_table(table):
            continue
        for el in list(table.iter("tr", "td", "th", "tbody", "thead", "tfoot", "caption")):
            if _nearest_table(el) is not table:
                continue  # a data table nested in a layout cell keeps its own rows
            el.tag = "div"
            for attr in ("width", "height", "colspan", "rowspan", "align", "valign", "bgcolor"):
                el.attrib.pop(attr, None)
        table.tag = "div"
