"""The official-verification disclaimer and the medical tip, recognised by what they say.

Both are boilerplate the page adds around an answer: they are reported as flags (the disclaimer
drives ``needs_verification``) and removed from ``answer``. Matching is by phrase patterns and
their variants, never by markup: 仅供参考 … 核实 / 以官方…为准 for the disclaimer, 不能代替面诊 /
不能替代专业医疗建议 / 遵医嘱 for the tip.
"""

from __future__ import annotations

import re

from crawler.extract.text import compact

# A block that IS a disclaimer: "for reference only" + "check with the official source".
_REFERENCE = re.compile(
    r"仅供参考|仅作参考|仅供参阅|仅供借鉴|只供参考|不构成.{0,6}(建议|依据)|可能存在(不准确|错误|偏差|滞后)"
)
_VERIFY = re.compile(
    r"核实|核对|核准|确认|咨询|查询|为准|官方(渠道|网站|公告|发布)|官网|以.{0,16}(公布|发布|公告|解释|规定|口径)为准"
)
_SOURCE = re.compile(r"整理自|来源于?互联网|网络公开|公开渠道|网友(提供|分享)|AI生成|人工智能生成|由AI")
# A sentence that defers to the official source on its own ("具体以当地医保局公布为准").
_DEFER = re.compile(
    r"(具体|实际|最终|一切|相关|请|均|应|需|务必)?[^。！!；;]{0,12}以"
    r"(当地|各地|官方|最新|医保|社保|人社|政府|主管|权威|参保地|就医地|国家|相关|所在)"
    r"[^。！!；;]{0,24}(公布|发布|公告|规定|政策|解释|通知|文件|口径|要求|答复)[^。！!；;]{0,6}为准"
)
# The medical tip: "cannot replace a visit to a doctor", "follow the doctor's orders".
_TIP = re.compile(
    r"不能(代替|替代|取代)(面诊|就医|医生|专业医疗|诊断|医疗)|不(可|能)作为(诊断|治疗)(依据|建议)|"
    r"遵医嘱|请(尽快|及时|立即)就医|如有不适.{0,6}就医|不能替代专业医疗建议"
)
_TIP_LEAD = re.compile(r"^(温馨)?提示\s*[:：]|^(医疗|健康|风险)?(提示|提醒|声明)\s*[:：]|^免责声明\s*[:：]?")


def is_tip(text: str) -> bool:
    t = compact(text)
    if not t or len(t) > 600:
        return False
    hits = len(_TIP.findall(t))
    return hits >= 2 or (hits >= 1 and (bool(_TIP_LEAD.match(t)) or len(t) < 160))


def is_disclaimer(text: str) -> bool:
    """A whole block that exists to say: unverified, check the official source."""
    t = compact(text)
    if not t or len(t) > 500 or is_tip(t):
        return False
    ref = bool(_REFERENCE.search(t))
    verify = bool(_VERIFY.search(t))
    source = bool(_SOURCE.search(t))
    if ref and (verify or source):
        return True
    if source and verify and len(t) < 300:
        return True
    # A short block that only defers to the official source.
    return (
        bool(_DEFER.search(t))
        and len(t) < 80
        and bool(_TIP_LEAD.match(t) or t.startswith(("注", "备注", "说明")))
    )


def deferring_sentence(text: str) -> str | None:
    """A sentence inside an answer that defers to the official announcement (以官方公告为准)."""
    m = _DEFER.search(compact(text))
    if not m:
        return None
    return m.group(0)
