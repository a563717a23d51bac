"""The general kinds of failure seen on article pages of publishers nobody wrote rules for (issue 13.6).

Each page is of our own making, with class names that mean nothing: the rules must find the kind of
block by what it is, never by a name.
"""

from __future__ import annotations

from extract import extract_page

TITLE = "城乡居民医保2025年缴费标准公布"
BODY = [
    "记者从市医疗保障局获悉，2025年度城乡居民基本医疗保险集中缴费工作已经启动，个人缴费标准为每人每年"
    "四百元，财政补助标准同步提高，参保群众可通过线上线下多种渠道完成缴费。",
    "今年的集中缴费期为每年九月至十二月，在集中缴费期内缴费的，从次年一月一日起享受待遇；错过集中缴费期"
    "的，原则上要设置待遇等待期，等待期内发生的医疗费用基金不予支付。",
    "医保部门提醒，新生儿、在校学生、退役军人等群体有专门的参保政策，可以向社区或者医保经办窗口咨询，"
    "低保对象、特困人员等困难群众的个人缴费部分由医疗救助基金给予资助。",
    "参保群众可以使用国家医保服务平台、当地政务服务App或者银行网点缴费，缴费成功后可在平台查询到缴费记录，"
    "如有疑问可以拨打医保服务热线咨询。",
]


def _article(inner: str, before: str = "", after: str = "") -> bytes:
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>{TITLE}-城市晚报</title></head><body>
<div class="a1">{before}</div><div class="a2"><h1>{TITLE}</h1><div class="a3">2025-01-08 来源：城市晚报</div>
<div class="a4">{inner}</div>{after}</div></body></html>"""
    return html.encode("utf-8")


def _paras() -> str:
    return "".join(f"<p>{p}</p>" for p in BODY)


def _assert_body(page) -> None:
    assert page.page_type == "qa", page.no_answer
    for p in BODY:
        assert p in page.answer, page.answer[:300]


def test_hidden_blocks_and_machine_metadata_are_not_the_answer() -> None:
    inner = (
        '<div style="display: none">20250108|||884213|||3321|||</div><span hidden>编辑推荐位</span>'
        + _paras()
        + '<div aria-hidden="true">跳转到正文开始处</div><p>884213|||3321|||0|||</p>'
    )
    page = extract_page(_article(inner), "https://news.example.cn/2025/01/08/1.html")
    _assert_body(page)
    assert "|||" not in page.answer and "编辑推荐位" not in page.answer and "跳转到正文" not in page.answer


def test_a_related_list_and_the_reprint_notice_after_the_body_are_cut() -> None:
    after = (
        '<div class="b7"><div class="b8">※ 相关文章</div><ul>'
        '<li><a href="/n/1.html">职工医保个人账户划入标准调整</a> 01-05</li>'
        '<li><a href="/n/2.html">异地就医备案可以在手机上办理了</a> 01-03</li>'
        '<li><a href="/n/3.html">门诊慢特病待遇认定流程简化</a> 12-28</li></ul></div>'
        "<p>本文为城市晚报原创稿件，未经书面授权不得转载、摘编或以其他方式使用，违者必究。</p>"
    )
    page = extract_page(_article(_paras(), after=after), "https://news.example.cn/2025/01/08/2.html")
    _assert_body(page)
    assert "相关文章" not in page.answer and "异地就医备案" not in page.answer and "转载" not in page.answer
    assert any("异地就医备案" in r["title"] for r in page.related)


def test_a_thread_tree_of_title_links_after_the_body_is_cut() -> None:
    tree = "<ul>" + "".join(
        f'<li><a href="/t/{i}.html">网友{i}号：我也来说说今年缴费的事情</a>【用户{i}】01-0{i} 12:00 {i * 37}字 [{i * 9}/0]</li>'
        for i in range(1, 7)
    ) + "</ul>"
    page = extract_page(_article(_paras() + tree), "https://news.example.cn/2025/01/08/3.html")
    _assert_body(page)
    assert "网友1号" not in page.answer


def test_a_sidebar_heading_above_the_article_does_not_swallow_it() -> None:
    """Sidebar lines and a 相关新闻 heading with its items come first in the page's order, in the
    article's own container: the heading takes its items, not the article after them."""
    side = (
        "<p>今日要闻</p><p>本地天气</p><h3>相关新闻</h3>"
        "<p>医保电子凭证使用指南</p><p>药店购药也能用医保</p><p>住院费用一站式结算</p>"
    )
    page = extract_page(_article(side + _paras()), "https://news.example.cn/2025/01/08/4.html")
    _assert_body(page)
    assert "医保电子凭证使用指南" not in page.answer


def test_a_sidebar_before_a_bare_noise_heading_is_not_taken_for_the_answer() -> None:
    """Short sidebar lines, then a noise heading that heads nothing of its own, then the article: the
    cut at the heading must not keep the sidebar and lose the article."""
    side = "<p>今日要闻</p><p>本地天气</p><p>便民服务</p><h3>相关新闻</h3>"
    page = extract_page(_article(side + _paras()), "https://news.example.cn/2025/01/08/5.html")
    _assert_body(page)
    assert "今日要闻" not in page.answer and "便民服务" not in page.answer


def test_a_thread_with_a_one_line_post_keeps_its_replies_as_the_answer() -> None:
    """Replies are dropped as comments under a real answer; under a one-line post they are the answer."""
    replies = "".join(
        f'<div class="r{i % 2}x"><span>用户{i}</span> <span>2024-03-0{i} 10:1{i}</span>'
        f"<p>{BODY[i]}</p><a href='#'>回复</a> <span>赞 {i}</span></div>"
        for i in range(4)
    )
    html = (f'<html><head><title>{TITLE}-论坛</title></head><body><h1>{TITLE}</h1><div class="p0">'
            f"<p>大家今年交了吗？</p></div><div class='rs'>{replies}</div></body></html>")  # fmt: skip
    page = extract_page(html.encode("utf-8"), "https://bbs.example.cn/t/1.html")
    _assert_body(page)


def test_paragraphs_citing_sources_by_links_are_prose_not_cards() -> None:
    """Article paragraphs each with a link inside a sentence (a cited source) are the article; cards
    are headed by their link. A run of such paragraphs was once dropped as a run of cards."""
    cited = "".join(
        f'<p>{p[:30]}<a href="/src/{i}.html">国家医疗保障局官方网站</a>{p[30:]}</p>' for i, p in enumerate(BODY)
    )
    page = extract_page(_article(cited), "https://news.example.cn/2025/01/08/6.html")
    assert page.page_type == "qa", page.no_answer
    for p in BODY:
        assert p[:30] + "国家医疗保障局官方网站" + p[30:] in page.answer, page.answer[:300]


def test_numbers_in_their_own_spans_stay_in_the_sentence() -> None:
    """Word-processor HTML puts every run of digits in a span of its own: "5" alone reads like a pager
    line, but inside a sentence it is the sentence's number, and a reference mark "[3]" is not."""
    para = (
        "<p><span>今年</span><span>1</span><span>月至</span><span>5</span><span>月，全市职工医保住院费用"
        "报销比例为</span><span>85</span><span>%，居民医保为</span><span>70</span><span>%，比去年同期"
        "提高了两个百分点。</span><sup>[3]</sup></p>"
    )
    page = extract_page(_article(para + _paras()), "https://news.example.cn/2025/01/08/7.html")
    _assert_body(page)
    assert "今年1月至5月，全市职工医保住院费用报销比例为85%，居民医保为70%，比去年同期提高了两个百分点。" in page.answer
    assert "[3]" not in page.answer


def test_a_table_of_card_rows_beside_the_article_is_cut() -> None:
    """Old portal pages set their "more stories" as table rows (a picture cell, a title link and a
    snippet): a table of card rows is a list of links, not a data table of the answer."""
    rows = "".join(
        f'<tr><td><a href="/n/{i}.html"><img src="/i/{i}.jpg"></a></td><td><a href="/n/{i}.html"><b>{t}</b></a>'
        f"<br>{t}，详情请点击查看全文内容</td></tr>"
        for i, t in enumerate(["职工医保个人账户划入标准调整", "异地就医备案可以在手机上办理", "门诊慢特病待遇认定流程简化"])
    )
    after = (
        '<table><tr><td><table><tr><td><b>商业频道</b></td><td><a href="/more/">更多……</a></td></tr></table>'
        f"</td></tr><tr><td><table>{rows}</table></td></tr></table>"
    )
    page = extract_page(_article(_paras(), after=after), "https://news.example.cn/2025/01/08/8.html")
    _assert_body(page)
    assert "异地就医备案" not in page.answer and "|" not in page.answer and "更多" not in page.answer
    assert any("异地就医备案" in r["title"] for r in page.related)


def test_a_copyright_statement_and_the_report_line_after_the_body_are_cut() -> None:
    after = (
        "<div><p>反侵权公告：</p><p>一、任何单位或个人使用本报原创内容，必须事先取得本报社书面授权；</p>"
        "<p>二、对侵犯本报社著作权益的行为，本报社将追究行为人的法律责任。</p></div>"
        "<ul><li>违法和不良信息举报中心</li><li>不良信息举报电话：0000-12345678</li></ul>"
    )
    page = extract_page(_article(_paras(), after=after), "https://news.example.cn/2025/01/08/9.html")
    _assert_body(page)
    assert "反侵权" not in page.answer and "授权" not in page.answer and "举报" not in page.answer


def test_editor_keywords_and_reprint_lines_after_the_body_are_cut() -> None:
    after = "<p>(编辑：王小明)</p><p>关键字： 医保 缴费</p><p>原创版权禁止商业转载 授权&gt;&gt;</p>"
    page = extract_page(_article(_paras(), after=after), "https://news.example.cn/2025/01/08/10.html")
    _assert_body(page)
    assert "王小明" not in page.answer and "关键字" not in page.answer and "转载" not in page.answer


def test_text_left_loose_by_an_ad_inside_a_paragraph_stays_in_the_article() -> None:
    """An ad box dropped into the middle of a paragraph leaves the paragraph's rest as bare text
    beside the blocks; it is the article's middle, not furniture."""
    inner = (
        f"<p>{BODY[0]}</p><div class='x9'><div><span></span></div></div>{BODY[1]}"
        f"<p>{BODY[2]}</p><p>{BODY[3]}</p>"
    )
    page = extract_page(_article(inner), "https://news.example.cn/2025/01/08/11.html")
    _assert_body(page)


def test_a_layout_table_keeps_the_cells_it_repeats() -> None:
    """trafilatura writes a repeated short cell once; the DOM rendering of its choice keeps every row's
    own cells (a short cell between two chosen short cells is chosen)."""
    rows = [
        ("城镇职工", "个人账户", "1、门诊统筹<br>2、住院报销<br>3、大病保险"),
        ("城乡居民", "个人账户", "1、同上<br>2、住院报销<br>3、生育保险"),
        ("灵活就业", "个人账户", "1、同上<br>2、同上<br>3、大病保险"),
    ]
    table = "<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows) + "</table>"
    page = extract_page(_article(_paras() + "<p>附：参保类别及待遇项目</p>" + table), "https://news.example.cn/2025/01/08/12.html")
    _assert_body(page)
    assert page.answer.count("个人账户") == 3


def test_the_opening_post_of_a_thread_is_not_taken_for_a_comment() -> None:
    """Forum software lays out the opening post like its replies (user, time, floor, 回复): the post
    marked as the original poster's floor is the page's text; the replies after it are comments."""
    floors = ["楼主", "沙发", "板凳"]
    texts = [BODY[0] + BODY[1], "顶一下，我也想知道。", "同问，今年什么时候开始缴费？"]
    posts = "".join(
        f'<div class="t{i}"><div class="u">用户{i}</div><div class="m"><span>{floors[i]}</span> '
        f"<span>发表于 2024-03-0{i + 1} 10:1{i}</span></div><div class='c'>{texts[i]}</div>"
        f"<a href='#'>回复</a></div>"
        for i in range(3)
    )
    html = (f'<html><head><title>{TITLE}-论坛</title></head><body><h1>{TITLE}</h1>'
            f"<div class='ps'>{posts}</div></body></html>")  # fmt: skip
    page = extract_page(html.encode("utf-8"), "https://bbs.example.cn/t/2.html")
    assert BODY[0] in page.answer and BODY[1] in page.answer, page.answer[:300]
    assert "顶一下" not in page.answer and "同问" not in page.answer and "楼主" not in page.answer


def test_an_inline_related_link_line_is_not_the_article() -> None:
    html = (
        "<html><head><title>Coverage rules change in 2025</title></head><body><h1>Coverage rules change in 2025</h1>"
        "<div><p>The new rules extend outpatient coverage to every insured resident and raise the yearly cap"
        " for chronic conditions, the ministry said on Monday.</p>"
        '<p>Related: <a href="/n/2.html">How to register for cross-region medical settlement</a></p>'
        "<p>Residents can check their status online or at a service window, and the changes take effect"
        " from the first of January without any new application.</p></div></body></html>"
    )
    page = extract_page(html.encode("utf-8"), "https://news.example.com/2025/01/08/13.html")
    assert "outpatient coverage" in page.answer and "service window" in page.answer, page.answer
    assert "Related" not in page.answer and "cross-region" not in page.answer
