"""The extractor's rules one by one: topic (labelled cards), disclaimer / tip wording, titles, dates, noise."""

from __future__ import annotations

import pytest

from extract import extract_page
from extract.blocks import block_text, from_trafilatura_xml
from extract.meta import strip_question, title_core, to_date, visible_dates
from extract.noise.lines import is_noise_heading, is_noise_line
from extract.notices import is_disclaimer, is_tip
from extract.topic import TERMS, classify
from sample_site.seeds import answer_text, load_seeds


def test_topic_on_the_hand_labelled_related_cards() -> None:
    """Every seed's related cards carry a hand ``on_topic`` label: the classifier's labelled data."""
    seeds = load_seeds()
    cases = [(c["title"], c["snippet"], c["on_topic"]) for s in seeds for c in s["cards"]]
    cases += [(s["question"], answer_text(s["blocks"]), True) for s in seeds]
    right = sum(classify(q, a)[0] == label for q, a, label in cases)
    assert len(cases) >= 100
    assert right / len(cases) >= 0.98
    assert sum(not label for _q, _a, label in cases) >= 30  # the off-topic side is really tested


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("56岁做焕肤有什么危害", "焕肤治疗可能引发皮肤屏障损伤,医美项目需谨慎。", False),
        ("江西省最好的监狱排名", "监狱的好坏取决于管理和改造质量。", False),
        ("2025年河南济源治疗腹痛伴黄疸的医院有哪些", "济源市人民医院消化内科……", False),
        ("河北省养老保险过了截止日期还能交吗", "灵活就业人员养老保险需在12月25日前缴纳。", False),
        ("生育险报销和普通医保报销一样吗", "生育保险主要保障生育相关的医疗费用。", True),
        ("百万医疗险可以报销进口药吗", "需要根据具体保险产品条款判断。", True),
        ("河南省西平县人民医院有牙科能用医保吗", "西平县人民医院设有牙科,可以使用医保。", True),
    ],
)
def test_topic_decisions_are_explained(question: str, answer: str, expected: bool) -> None:
    decision, why = classify(question, answer)
    assert decision is expected
    assert set(why) == {"score", "threshold", "terms"}
    assert (why["score"] >= why["threshold"]) is expected
    for term, weight, count in why["terms"]:
        assert TERMS[term] == weight and count > 0


@pytest.mark.parametrize(
    "text",
    [
        "本信息整理自互联网公开渠道,仅供参考,可能存在不准确或滞后之处。为确保准确性,请务必通过当地医保局官网核实。",
        "声明:以上内容来源于网络公开资料,仅供参考,具体政策请以当地医保部门官方发布为准。",
        "【免责声明】本文信息整理自互联网,可能存在滞后,仅供参考,办理前请向当地医疗保障局核实。",
        "温馨提醒:本页内容不构成办理依据,请以国家医保服务平台及当地医保局公告为准。",
        "注:具体政策以当地医保局官方公告为准。",
        "以上内容仅作参考,实际待遇请咨询参保地医保经办机构。",
    ],
)
def test_disclaimer_variants(text: str) -> None:
    assert is_disclaimer(text)
    assert not is_tip(text)


@pytest.mark.parametrize(
    "text",
    [
        "医保卡的一级账户和二级账户是职工医保个人账户中的两个不同层级。",
        "具体报销比例以参保地规定为准,各地略有差异,一般在50%到90%之间,门诊和住院的比例也不相同,需要分别计算。"
        * 2,
        "如需进一步了解,请参考相关来源。",
        "© 2025 快问医保 版权所有 本站内容仅供参考",
    ],
)
def test_not_disclaimers(text: str) -> None:
    assert not is_disclaimer(text)


@pytest.mark.parametrize(
    "text",
    [
        "提示:本内容不能代替面诊,如有不适请尽快就医。本文所涉医学知识仅供参考,不能替代专业医疗建议。",
        "温馨提示:本文内容不能替代医生面诊,如有身体不适请及时就医。",
        "医疗提示:文中涉及的医学内容仅供参考,不可作为诊断依据,用药请遵医嘱。",
    ],
)
def test_tip_variants(text: str) -> None:
    assert is_tip(text)


def test_titles_and_question_prefixes() -> None:
    assert title_core("医保卡一级二级账户什么意思 - 快问医保") == "医保卡一级二级账户什么意思"
    assert title_core("上海医保住院报销比例_政策问答_青溪市医疗保障局") == "上海医保住院报销比例"
    assert title_core("异地就医怎么备案--青山市医疗保障局") == "异地就医怎么备案"
    assert title_core("生育险怎么报 | 医保小课堂") == "生育险怎么报"
    assert strip_question("问:医保断缴了怎么办") == "医保断缴了怎么办"
    assert strip_question("问：医保断缴了怎么办？") == "医保断缴了怎么办？"
    assert strip_question("Q: 医保卡丢了怎么办") == "医保卡丢了怎么办"


def test_dates() -> None:
    assert to_date("2025-01-06T09:30:00+08:00") == "2025-01-06"
    assert to_date("2023年5月8日") == "2023-05-08"
    assert to_date("2024/03/05 10:22") == "2024-03-05"
    assert to_date("20250318") == "2025-03-18"
    assert to_date("2024-02-30") is None and to_date("no date") is None and to_date(None) is None
    assert visible_dates("发布时间: 2025-01-20　来源: 市医保局 更新时间:2025年2月1日") == (
        "2025-01-20",
        "2025-02-01",
    )


def test_related_card_dates_never_date_the_page() -> None:
    cards = "".join(
        f'<li><a href="/q/{i}.html">医保卡问题{i}怎么办理</a><p>一段摘要文字。</p><span>发布时间:2019-0{i}-01</span></li>'
        for i in range(1, 6)
    )
    html = (
        "<html><head><title>医保卡丢了怎么补办</title></head><body><h1>医保卡丢了怎么补办</h1>"
        "<p>医保卡丢失后,可以携带身份证到社保经办机构或通过国家医保服务平台APP办理挂失和补办。</p>"
        f"<div><h3>相关推荐</h3><ul>{cards}</ul></div></body></html>"
    )
    page = extract_page(html.encode(), "http://127.0.0.1/q/0.html")
    assert page.published is None
    assert len(page.related) == 5 and "相关推荐" not in page.answer


@pytest.mark.parametrize(
    "text",
    ["相关推荐", "大家都在搜", "猜你喜欢", "相关阅读 >", "【热门推荐】", "热点问答", "相关问题", "延伸阅读", "推荐阅读",
     "大家还在看", "你可能还想了解", "网友评论(12)", "查看更多相关文章 >>", "其他问题", "相关报道:"],
)  # fmt: skip
def test_noise_headings(text: str) -> None:
    assert is_noise_heading(text)


@pytest.mark.parametrize(
    "text", ["相关政策解读的具体内容如下", "一、医保账户结构", "总结", "推荐医院", "医保报销流程"]
)
def test_not_noise_headings(text: str) -> None:
    assert not is_noise_heading(text)


@pytest.mark.parametrize(
    "text",
    ["当前位置:首页 > 政策问答", "【打印本页】【关闭窗口】", "分享到:微信 微博 QQ空间", "京ICP备12345678号",
     "医保小助手 回答于 2023-03-01", "3 个回答 · 1037 次浏览", "有用(23) 没用", "长按识别二维码,关注我们", "最佳答案",
     "打印本文", "发送给朋友", "第页/共页 << 上一页 | 下一页 >>", "（编辑：小何）返回搜狐，查看更多",
     "平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。"],
)  # fmt: skip
def test_noise_lines(text: str) -> None:
    assert is_noise_line(text)


@pytest.mark.parametrize(
    "text",
    ["2024年1月1日起,起付线调整为600元。", "个人账户:用于支付门诊费用", "600元", "2. 二级账户的定义及功能"],
)
def test_answer_lines_are_not_noise(text: str) -> None:
    assert not is_noise_line(text)


def _page(body: str, title: str = "生育保险怎么报销") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


ANSWER = "<p>生育保险报销需要先参保满12个月,在定点医院分娩可以直接结算,不用自己垫付。</p>"


def test_cards_split_over_dt_dd_pairs_are_noise() -> None:
    dl = "".join(
        f'<dt><a href="/q/{i}.html">医保报销问题第{i}个怎么办</a></dt><dd>另一个问题的摘要文字{i}。</dd>'
        for i in range(6)
    )
    page = extract_page(_page(f"<h1>生育保险怎么报销</h1>{ANSWER}<dl>{dl}</dl>"), "http://a.cn/q/x.html")
    assert page.page_type == "qa"
    assert page.answer.startswith("生育保险报销需要先参保满12个月") and "摘要" not in page.answer
    assert len(page.related) == 6


def test_comments_without_heading_are_noise_but_answers_heading_is_not() -> None:
    comments = "".join(
        f'<div class="c"><span>用户{i}</span><p>说得对,谢谢楼主分享{i}</p><span>{i + 1}小时前</span> <a href="#">回复</a></div>'
        for i in range(3)
    )
    body = f"<h1>生育保险怎么报销</h1><div><h3>全部回答(1)</h3>{ANSWER}</div><div>{comments}</div>"
    page = extract_page(_page(body), "http://a.cn/q/x.html")
    assert "生育保险报销需要先参保满12个月" in page.answer
    assert "谢谢楼主" not in page.answer and "小时前" not in page.answer


def test_logo_h1_bare_hyphen_title_and_time_element() -> None:
    body = (
        '<div><h1><a href="/">健康一点通</a></h1></div><h2>生育保险怎么报销</h2>'
        '<div><span>编辑部</span> <time datetime="2024-03-05T10:00:00+08:00">3月5日</time></div>' + ANSWER
    )
    page = extract_page(_page(body, "生育保险怎么报销-健康一点通"), "http://a.cn/q/x.html")
    assert page.question == "生育保险怎么报销"
    assert page.published == "2024-03-05"
    assert page.answer.startswith("生育保险报销") and "健康一点通" not in page.answer


def test_only_an_update_date_is_not_a_publication_date() -> None:
    body = "<h1>生育保险怎么报销</h1><div>更新时间:2024-06-01</div>" + ANSWER
    page = extract_page(_page(body), "http://a.cn/q/x.html")
    assert page.updated == "2024-06-01" and page.published is None


LONG_ANSWER = "".join(
    f"<p>第{i}条:生育保险报销需要先参保满12个月,在定点医院分娩可以直接结算,不用自己垫付,"
    f"产前检查费用按定额标准支付,生育津贴按用人单位上年度职工月平均工资计发。</p>"
    for i in range(1, 19)
)


def test_a_form_around_the_whole_page_keeps_its_text() -> None:
    """Old ASP.NET pages wrap everything, comment box included, in one <form>."""
    body = (
        '<form method="post" action="q.aspx"><div><a href="/">首页</a></div>'
        f'<div>{LONG_ANSWER}</div><div><textarea name="c"></textarea><input type="submit"></div></form>'
    )
    page = extract_page(_page(body), "http://a.cn/q/x.aspx")
    assert page.page_type == "qa"
    assert "第18条:生育保险报销" in page.answer


def test_a_noise_heading_above_the_main_text_does_not_cut_it() -> None:
    """A blog sidebar's "评论:587" comes before the article: the article is kept, the sidebar not."""
    side = "<div><b>博客信息</b><div>日志:279<br>评论:587<br>留言:31<br>访问:121369</div></div>"
    page = extract_page(_page(f"<div>{side}<div>{LONG_ANSWER}</div></div>"), "http://a.cn/q/x.html")
    assert "第1条:生育保险报销" in page.answer and "第18条" in page.answer
    assert "日志:279" not in page.answer


def test_a_cards_h1_does_not_beat_the_h2_that_shows_the_title() -> None:
    cards = "".join(f'<div><h1><a href="/q/{i}.html">别的问题{i}怎么办</a></h1></div>' for i in range(3))
    body = f"<h2>生育保险怎么报销</h2>{ANSWER}{cards}"
    page = extract_page(_page(body, "生育保险怎么报销 - 健康一点通"), "http://a.cn/q/x.html")
    assert page.question == "生育保险怎么报销"
    assert page.answer.startswith("生育保险报销需要先参保满12个月")


def test_the_h1_sharing_most_with_the_title_is_the_title() -> None:
    """ "常见问题" is in the <title>, but the first h1 shares a longer run with it."""
    body = f"<h1>生育保险报销流程和所需材料</h1>{ANSWER}<h1>常见问题</h1><p>问:在哪里办?</p>"
    page = extract_page(_page(body, "生育保险报销流程和材料清单(附常见问题)"), "http://a.cn/q/x.html")
    assert page.question == "生育保险报销流程和所需材料"
    assert "生育保险报销需要先参保满12个月" in page.answer


def test_text_right_after_a_heading_in_trafilaturas_xml_is_kept() -> None:
    xml = '<doc><main><head rend="h2">报销流程</head>先在定点医院结算。<p>再申请生育津贴。</p></main></doc>'
    assert [block_text(b) for b in from_trafilatura_xml(xml)] == [
        "报销流程",
        "先在定点医院结算。",
        "再申请生育津贴。",
    ]


def test_an_h1_close_to_the_title_beats_a_later_h2_equal_to_it() -> None:
    """A recipe-style summary card repeats the title in an h2 at the end: the article's h1 still heads it."""
    body = f"<h1>2024年生育保险怎么报销</h1>{ANSWER}<h2>生育保险怎么报销</h2><p>材料:身份证、医保卡。</p>"
    page = extract_page(_page(body, "生育保险怎么报销指南 | 健康一点通"), "http://a.cn/q/x.html")
    assert page.question == "2024年生育保险怎么报销"
    assert page.answer.startswith("生育保险报销需要先参保满12个月")


def test_a_table_of_tools_and_bylines_is_not_answer() -> None:
    title = "<table><tr><td><div>生育保险怎么报销</div></td></tr></table>"
    tools = '<table><tr><td>2005-04-27 14:32更新 来源:千龙新闻网</td><td><a href="#c">发表评论</a></td><td></td></tr></table>'
    page = extract_page(_page(f"{title}{tools}{ANSWER}"), "http://a.cn/q/x.html")
    assert page.answer == "生育保险报销需要先参保满12个月,在定点医院分娩可以直接结算,不用自己垫付。"


def test_comments_inside_a_sentence_do_not_cut_it() -> None:
    """React pages split text with empty comments; trafilatura loses what follows one in a parsed tree."""
    first = (
        "<p>When <!-- -->President Trump's advisers suggested that Beijing resume buying farm products "
        "as part of a trade deal, he asked for more.</p>"
    )
    more = "<p>Mr. Trump has brought his love of show business to trade talks, injecting drama into staid talks.</p>"
    page = extract_page(_page(f"<h1>Trade war</h1><article>{first}{more * 3}</article>", "Trade war"), "http://a.cn/x")
    assert page.answer.startswith("When President Trump's advisers suggested that Beijing resume buying")


def test_a_short_answer_is_not_traded_for_the_long_text_under_a_noise_heading() -> None:
    """Only a counter line ("评论:587") may sit above the main text; under 网友评论 is never the answer."""
    talk = "".join(f"<p>第{i}位网友:我去年生孩子也是这样报销的,医院直接结算,很方便,大家可以放心。</p>" for i in range(12))
    body = f"<h1>生育保险怎么报销</h1><div>{ANSWER}</div><div>网友评论</div><div>{talk}</div>"
    page = extract_page(_page(body), "http://a.cn/q/x.html")
    assert page.answer == "生育保险报销需要先参保满12个月,在定点医院分娩可以直接结算,不用自己垫付。"
