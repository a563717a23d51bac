"""What the fault site holds: its good Q&A pages, its off-topic chain, and which path fails how. Pure data."""

from __future__ import annotations

# Good pages: (question, answer paragraphs). All about 医保, so each becomes an entry.
QA: dict[int, tuple[str, list[str]]] = {
    1: (
        "职工医保住院报销比例是多少?",
        [
            "职工基本医疗保险参保人员在定点医疗机构住院,起付标准以上、最高支付限额以下的政策范围内"
            "医疗费用,由统筹基金按比例支付。",
            "一级医院报销比例约为90%,二级医院约为85%,三级医院约为80%,退休人员再提高5个百分点。",
        ],
    ),
    2: (
        "医保个人账户的钱可以给家人用吗?",
        [
            "可以。职工医保个人账户可以用于支付配偶、父母、子女在定点医疗机构就医时由个人负担的医疗费用。",
            "家庭成员共济需要先在医保服务平台或当地医保经办机构办理绑定手续,绑定后即可使用。",
        ],
    ),
    3: (
        "异地就医备案怎么办理?",
        [
            "参保人员可以通过国家医保服务平台App、微信小程序或参保地医保经办机构办理异地就医备案。",
            "备案成功后在就医地的联网定点医疗机构住院,可以直接结算医保报销部分,个人只支付自付费用。",
        ],
    ),
    4: (
        "城乡居民医保一年交多少钱?",
        [
            "城乡居民基本医疗保险实行个人缴费和政府补助相结合,个人缴费标准由各地医保局每年公布。",
            "缴费一般在每年9月至12月集中办理,可以通过税务App、银行或社区代办点缴纳医保费。",
        ],
    ),
    5: (
        "门诊慢特病医保怎么报销?",
        [
            "患有高血压、糖尿病等门诊慢特病的参保人员,经医保经办机构认定后,门诊费用可按规定报销。",
            "报销比例和年度支付限额由参保地医保政策确定,认定后持医保卡在定点医疗机构就医即可结算。",
        ],
    ),
    6: (
        "生育保险报销需要什么材料?",
        [
            "职工生育保险待遇申领一般需要身份证、医保卡、出生医学证明和住院费用结算单等材料。",
            "在定点医疗机构分娩的,住院费用可以直接联网结算,生育津贴向参保地医保经办机构申请发放。",
        ],
    ),
}
SLOW_QA = (
    "医保报销需要多长时间到账?",
    [
        "在定点医疗机构直接结算的,医保报销部分当场抵扣,不需要等待到账。",
        "手工报销的,医保经办机构受理材料后一般在二十个工作日内审核完毕,报销款转入参保人的银行账户。",
    ],
)
FLAKY_QA = (
    "医保卡丢了怎么补办?",
    [
        "医保卡(社会保障卡)丢失后,应先通过电话、App或到医保经办机构办理挂失,防止被他人冒用。",
        "挂失后携带身份证到社保卡服务网点或合作银行申请补办,补办期间可以使用医保电子凭证就医结算。",
    ],
)
GBK_QA = (
    "医保断缴后还能补缴吗?",
    [
        "职工医保断缴后,单位或个人可以按参保地医保局规定办理补缴,补缴后医保待遇从补缴到账次月起恢复。",
        "城乡居民医保一般不能补缴,错过集中缴费期的,需要等到下一个缴费期缴费,并设置待遇等待期。",
    ],
)
# Off-topic Q&A pages in a chain: /offtopic/1 -> 2 -> 3 -> 4. With off_topic_hops = 1 the crawl fetches
# 1 (linked from the start page) and 2 (one hop further), and never 3 or 4.
OFF_TOPIC: dict[int, tuple[str, list[str]]] = {
    1: (
        "双眼皮手术多少钱?",
        ["双眼皮手术的价格因医院和医生而异,一般在三千到一万元之间。", "术后一周内要注意护理,避免感染。"],
    ),
    2: (
        "监狱探视需要什么手续?",
        ["探视人需要携带身份证和关系证明,提前预约探视时间。", "探视时应遵守监狱管理规定。"],
    ),
    3: (
        "哪家医院看皮肤病好?",
        ["皮肤病的治疗需要到正规医院皮肤科就诊,根据病情选择治疗方案。", "常见的有湿疹、荨麻疹等。"],
    ),
    4: ("隆鼻手术恢复期多久?", ["隆鼻手术的恢复期一般为一到三个月,早期会有肿胀。", "恢复期间避免碰撞鼻部。"]),
}
# In faulty mode each good page fails in its own way (5 hangs past the download timeout).
FAULTY_AS = {1: "500", 2: "reset", 3: "truncated", 4: "binary", 5: "timeout", 6: "empty"}

HOME_CANONICAL = {5, 6}  # these pages say rel=canonical "/" (a template mistake, ignored)

FAULT_PATHS = {
    "/fault/500.html": "500",
    "/fault/reset.html": "reset",
    "/fault/timeout.html": "timeout",
    "/fault/truncated.html": "truncated",
    "/fault/huge.html": "huge",
    "/fault/bomb.html": "bomb",
    "/fault/loop-a.html": "loop",
    "/fault/loop-b.html": "loop",
    "/fault/binary.html": "binary",
}
HUGE_SIZE = 20 * 1024 * 1024
BOMB_SIZE = 64 * 1024 * 1024  # decompressed; far over any sane DOWNLOAD_MAXSIZE
ROBOTS = "User-agent: *\nDisallow: /private/\n"
# Links the start page adds when the site has faults: (href, text), besides the good pages and FAULT_PATHS.
SPECIAL_LINKS = [
    ("/qa/1.html?utm_source=wx&from=share#top", "职工医保住院报销比例是多少(分享)"),
    ("/alias/2.html", "医保个人账户的钱可以给家人用吗(专题)"),
    ("/qa/gbk.html", "医保断缴后还能补缴吗?"),
    ("/slow/429.html", "医保报销需要多长时间到账?"),
    ("/flaky/500.html", "医保卡丢了怎么补办?"),
    ("/private/secret.html", "医保内部资料汇编"),
    ("/offtopic/1.html", "双眼皮手术多少钱?"),
    ("/go/elsewhere.html", "全国医保服务平台入口"),
]
