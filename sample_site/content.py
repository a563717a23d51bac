"""What the sample site says beyond the seeds, by hand: names, dates, and the edits of edition 2.

Pure data. The seeds carry the questions, answers and related cards; this module carries what the dumps
lack (the portal's own dates, how each page shows its date, which cards the city site republishes) and
the story of edition 2 (one changed number, one added paragraph, one removed disclaimer, two gone cards,
two new pages, a tracking URL and a near-duplicate copy), which the manifest reports as ground truth.
"""

from __future__ import annotations

from typing import Any

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
NEAR_DUP_PUBLISHED = "2025-05-30"
# The sitemap's lastmod for pages without a date of their own (home, listings).
SITEMAP_LASTMOD = {1: "2025-05-01", 2: "2025-06-01", 3: "2025-07-01", 4: "2025-07-01"}

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
