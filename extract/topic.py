"""Is this page about medical insurance (医保)? One table of terms and weights, explainable.

The decision is a weighted term count: the question counts ``QUESTION_FACTOR`` times, the answer
once (each term at most ``CAP`` times, over the first ``ANSWER_CHARS`` characters). Negative
weights pull away the pages the portal's related cards lead to (医美, hospital rankings, disease
treatment, prisons, pure pension questions). ``topic`` in the result lists every term that fired.
The weights were set against the hand-labelled related cards of the seeds (``on_topic``).
"""

from __future__ import annotations

from typing import Any

TERMS: dict[str, float] = {
    # medical insurance itself
    "医保": 4.0, "医疗保险": 4.0, "医疗保障": 3.0, "医保局": 2.0, "医保卡": 1.0, "社保": 3.0,
    "社会保险": 3.0, "社保卡": 1.0, "社会保障卡": 2.0, "新农合": 4.0, "合作医疗": 3.0, "城乡居民": 1.5,
    "职工医保": 2.0, "居民医保": 2.0, "生育保险": 4.0, "生育险": 4.0, "生育津贴": 3.0, "大病保险": 3.0,
    "大病医保": 3.0, "医疗救助": 2.0, "长护险": 3.0, "长期护理保险": 3.0,
    # how it works
    "统筹": 3.0, "报销": 3.0, "参保": 3.0, "异地就医": 4.0, "个人账户": 2.0, "缴费基数": 2.0,
    "缴费年限": 1.5, "起付线": 3.0, "封顶线": 3.0, "门槛费": 2.0, "定点": 2.0, "家庭共济": 3.0,
    "医保目录": 2.0, "慢特病": 2.0, "门诊慢特病": 1.0, "备案": 1.0, "断缴": 1.5, "补缴": 1.5,
    "结算": 1.0, "12393": 3.0, "12333": 1.0, "医保电子凭证": 2.0, "报销比例": 1.0,
    # commercial medical insurance
    "医疗险": 3.0, "百万医疗": 3.0, "商业医疗": 3.0, "惠民保": 3.0, "商业保险": 2.0, "保险公司": 1.0,
    "理赔": 2.0, "重疾险": 2.0,
    # off topic: cosmetic medicine
    "医美": -6.0, "焕肤": -5.0, "激光": -3.0, "溶脂": -5.0, "瘦腹": -4.0, "瘦腰": -4.0, "祛斑": -3.0,
    "玻尿酸": -4.0, "整形": -4.0, "美容": -3.0, "抽脂": -4.0, "隆鼻": -4.0, "双眼皮": -4.0, "腋臭": -3.0,
    "植发": -4.0, "隆胸": -4.0, "吸脂": -4.0, "瘦身": -3.0, "减肥": -2.0, "祛痘": -3.0, "美白": -2.0,
    "牙齿矫正": -3.0, "整容": -4.0, "整形医院": -4.0,
    # off topic: choosing a hospital / treating a disease
    "医院排名": -6.0, "哪家医院": -4.0, "哪个医院": -4.0, "的医院有哪些": -6.0, "医院推荐": -3.0,
    "去哪医院": -4.0, "专科医院": -2.0, "三甲医院": -1.0, "男科": -4.0, "精神病医院": -6.0, "手术": -1.0,
    "治疗": -0.5, "症状": -1.0, "诊疗": -0.5, "排行榜": -2.0, "哪家好": -3.0, "不孕": -2.0,
    # off topic: prisons, pensions alone
    "监狱": -8.0, "服刑": -8.0, "罪犯": -5.0, "犯人": -5.0, "养老保险": -2.0, "养老金": -2.0,
}  # fmt: skip
QUESTION_FACTOR = 3.0
CAP = 3
ANSWER_CHARS = 1500
THRESHOLD = 6.0


def _count(text: str, term: str) -> int:
    return min(text.count(term), CAP) if term else 0


def classify(question: str, answer: str) -> tuple[bool, dict[str, Any]]:
    """(is_medical_insurance, explanation) for a question and its answer."""
    q = question or ""
    a = (answer or "")[:ANSWER_CHARS]
    score = 0.0
    fired: list[list[Any]] = []
    for term, weight in TERMS.items():
        n = QUESTION_FACTOR * _count(q, term) + _count(a, term)
        if n:
            score += weight * n
            fired.append([term, weight, n])
    fired.sort(key=lambda t: -abs(t[1] * t[2]))
    explanation = {"score": round(score, 2), "threshold": THRESHOLD, "terms": fired}
    return score >= THRESHOLD, explanation
