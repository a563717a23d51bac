"""Parse the five seed page dumps into structured data (``seeds.json``), and render answers as text.

Run ``python -m sample_site.seeds SEEDS_DIR`` to (re)write ``sample_site/seeds.json``; everything else
(the generator, the tests, the demo) reads the committed JSON through :func:`load_seeds`, so the repo never
needs the seed dumps at run time.

Hand-made parts, on purpose: the table cells that the dump concatenated, the invented 大家都在搜 chips, and
the ``on_topic`` label of every related card (ground truth for the topic classifier: never a keyword rule).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SEEDS_JSON = Path(__file__).with_name("seeds.json")

DISCLAIMER_START = "本信息整理自互联网公开渠道"
TIP_START = "提示:本内容不能代替面诊"
FOOTER_START = "首页 顶部"
CHIPS_MARK = "大家都在搜"
RELATED_MARK = "相关推荐"

# The dump of seed 000 lost the cell boundaries of its one table: split by hand (line -> cells).
TABLE_ROWS: dict[str, list[str]] = {
    "对比维度一级账户二级账户": ["对比维度", "一级账户", "二级账户"],
    "资金来源上年度积累额3000元以下和当年新划入部分上年度积累额超过3000元的部分": [
        "资金来源",
        "上年度积累额3000元以下和当年新划入部分",
        "上年度积累额超过3000元的部分",
    ],
    "使用范围基本医疗费用,如门诊、住院、药品费用等特殊医疗费用,如大病医疗、特殊药品费用等": [
        "使用范围",
        "基本医疗费用,如门诊、住院、药品费用等",
        "特殊医疗费用,如大病医疗、特殊药品费用等",
    ],
    "记账规则资金直接用于支付,无需额外记账先记入二级账户,再汇总记入一级账户": [
        "记账规则",
        "资金直接用于支付,无需额外记账",
        "先记入二级账户,再汇总记入一级账户",
    ],
}

# 大家都在搜: the dump kept the heading but not the chips. Invented, only for pages whose dump has the block.
CHIPS: dict[str, list[str]] = {
    "s000": [
        "医保个人账户余额查询",
        "医保卡一级账户",
        "医保卡二级账户能取现吗",
        "职工医保个人账户划入标准",
        "医保卡余额可以给家人用吗",
        "二级账户资金用途",
        "医保个人账户清零吗",
    ],
    "s003": [
        "医保卡余额怎么查",
        "单位缴纳的医保去哪了",
        "医保统筹账户余额",
        "职工医保缴费比例",
        "医保个人账户每月划入多少",
        "医保余额可以取现吗",
    ],
    "s004": [
        "医保卡绑定家人",
        "医保家庭共济怎么开通",
        "医保卡密码忘了怎么办",
        "医保卡丢了怎么挂失",
        "异地就医备案",
        "医保电子凭证怎么用",
        "个人账户余额不足怎么办",
        "医保支付顺序",
    ],
}

# Related cards that are NOT about medical insurance, by seed, read and labelled by hand (医美, hospital
# rankings, disease treatment, prisons, a surgery incident, a pure pension question). Every other card is
# on topic (医保 / 社保 / 生育保险 / 报销 / 参保 / 商业医疗险).
OFF_TOPIC: dict[str, set[str]] = {
    "s000": {
        "56岁做焕肤效果好吗",
        "56岁做焕肤有什么副作用",
        "56岁做焕肤有什么危害",
        "56岁做焕肤的危害",
        "北京儿科耳鼻喉医院排名",
        "北京耳鼻喉专科哪家医院最好",
        "2025年河南济源治疗眼睛发红的医院有哪些",
        "56岁做调Q激光效果好不好",
        "56岁做调Q激光的危害",
        "2025年河南济源治疗尿痛伴尿频尿急的医院有哪些",
        "2025年河南济源治疗腹痛伴黄疸的医院有哪些",
        "56岁做调Q激光有什么危害",
        "2025年河南济源治疗胸痛伴出汗的医院有哪些",
        "56岁做调Q激光有什么副作用",
        "2025年河南济源治疗腹痛伴发热的医院有哪些",
    },
    "s001": {
        "江西省最好的监狱排名",
        "江西一般去哪监狱服刑",
        "2025年河北保定治疗喉咙干痒的医院有哪些",
        "河北省养老保险过了截止日期还能交吗",
    },
    "s002": {
        "腋臭手术后胳肢窝会痛",
        "看妇科病去哪医院比较好",
        "马鞍山八十六医院腿部手术弄错",
        "淮北市男科医院",
        "合肥长淮精神病医院",
        "淮北最好的精神病医院",
    },
    "s003": {
        "12岁可以做射频溶脂瘦腰部吗",
        "12岁可以做动氧瘦腹部吗",
        "12岁可以做超声溶脂瘦腹部吗",
        "2025年四川资阳治疗晕厥的医院有哪些",
        "2025年四川资阳治疗血糖波动的医院有哪些",
        "2025年四川资阳治疗手抖的医院有哪些",
        "2025年四川资阳治疗记忆力减退的医院有哪些",
        "2025年四川资阳治疗注意力不集中的医院有哪些",
    },
    "s004": {
        "海南海口治疗旋转隐斜哪个医院比较好",
        "海南海口治疗反向斜视的医院排名",
        "海南海口治疗匐行性角膜溃疡的医院排名",
        "海南海口治疗回旋状脉络膜视网膜萎缩的医院排名",
        "海南海口治疗晶状体脱位所致青光眼哪个医院比较好",
        "海南海口治疗急性卡他性结膜炎哪个医院比较好",
        "海南海口治疗眶脑膜瘤哪个医院比较好",
        "海南海口治疗溢泪症的医院排名",
    },
}

_NEWS = re.compile(r"^健康新闻\s+(\d{4}-\d{2}-\d{2})$")
_NUMBERED = re.compile(r"^(\d+)\.\s*(.+)$")
_CN_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_BULLET = "•"


def answer_text(blocks: list[dict[str, Any]]) -> str:
    """The canonical plain text of answer blocks: what every extractor is expected to produce.

    It follows the same contract as ``extract.blocks.render`` but is written apart on purpose:
    the expected answers must not come from the code they judge.
    """
    parts: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind in ("paragraph", "heading"):
            parts.append(block["text"])
        elif kind == "list":
            if block["ordered"]:
                parts.append("\n".join(f"{i}. {item}" for i, item in enumerate(block["items"], 1)))
            else:
                parts.append("\n".join(f"- {item}" for item in block["items"]))
        elif kind == "table":
            rows = block["rows"]
            lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join("---" for _ in rows[0]) + " |"]
            lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
            parts.append("\n".join(lines))
        else:
            raise ValueError(f"unknown block type {kind!r}")
    return "\n\n".join(parts)


def load_seeds() -> list[dict[str, Any]]:
    """The committed structured seeds (no access to the raw dumps needed)."""
    return json.loads(SEEDS_JSON.read_text(encoding="utf-8"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_short_title(text: str) -> bool:
    """A bare line like 总结: short and without sentence punctuation."""
    return len(text) <= 10 and not re.search(r"[。,，:：;；!?！？]", text)


def _parse_answer(lines: list[str]) -> list[dict[str, Any]]:
    """Answer lines (between disclaimer and tip) -> blocks. Nested lists become heading + list."""
    rows = [(_indent(raw), raw.strip()) for raw in lines]
    nonblank = [(ind, text) for ind, text in rows if text]
    has_cn_sections = any(_CN_SECTION.match(text) for _, text in nonblank)
    blocks: list[dict[str, Any]] = []
    sub_number = 0

    def add_item(ordered: bool, item: str) -> None:
        last = blocks[-1] if blocks else None
        if last and last["type"] == "list" and last["ordered"] == ordered:
            last["items"].append(item)
        else:
            blocks.append({"type": "list", "ordered": ordered, "items": [item]})

    for pos, (ind, text) in enumerate(nonblank):
        nxt = nonblank[pos + 1] if pos + 1 < len(nonblank) else (0, "")
        numbered = _NUMBERED.match(text)
        if text in TABLE_ROWS:
            cells = TABLE_ROWS[text]
            last = blocks[-1] if blocks else None
            if last and last["type"] == "table":
                last["rows"].append(cells)
            else:
                blocks.append({"type": "table", "rows": [cells]})
        elif text.startswith(_BULLET):
            add_item(False, text[1:].strip())
        elif _CN_SECTION.match(text):
            blocks.append({"type": "heading", "text": text, "level": 3})
            sub_number = 0
        elif numbered and ind == 0:
            blocks.append({"type": "heading", "text": text, "level": 3})
        elif numbered:
            # An indented "N." item: a section title when bullets or an indented paragraph follow it,
            # else one item of an ordered list. The dump restarts numbering at 1: renumber sections.
            if nxt[1].startswith(_BULLET) or (nxt[0] > ind and not _NUMBERED.match(nxt[1])):
                sub_number += 1
                level = 4 if has_cn_sections else 3
                blocks.append(
                    {"type": "heading", "text": f"{sub_number}. {numbered.group(2)}", "level": level}
                )
            else:
                add_item(True, numbered.group(2))
        elif _is_short_title(text):
            blocks.append({"type": "heading", "text": text, "level": 3})
        else:
            blocks.append({"type": "paragraph", "text": text})
    return blocks


def _parse_cards(lines: list[str], seed_id: str) -> list[dict[str, Any]]:
    """相关推荐 lines -> cards: a title line, a snippet line, often 健康新闻 + date."""
    texts = [line.strip() for line in lines if line.strip()]
    cards: list[dict[str, Any]] = []
    i = 0
    while i + 1 < len(texts):
        title, snippet = texts[i], texts[i + 1]
        i += 2
        date = None
        if i < len(texts) and (m := _NEWS.match(texts[i])):
            date = m.group(1)
            i += 1
        cards.append(
            {
                "title": title,
                "snippet": snippet,
                "news_date": date,
                "on_topic": title not in OFF_TOPIC.get(seed_id, set()),
            }
        )
    return cards


def parse_seed(path: Path, seed_id: str) -> dict[str, Any]:
    """One seed dump -> the structured record described in the module docstring."""
    lines = path.read_text(encoding="utf-8").splitlines()
    question = lines[0].strip()
    body = lines[1:]
    tip_at = next(i for i, line in enumerate(body) if line.startswith(TIP_START))
    answer_lines = body[:tip_at]
    disclaimer = None
    for i, line in enumerate(answer_lines):
        if line.startswith(DISCLAIMER_START):
            disclaimer = line.strip()
            answer_lines = answer_lines[:i] + answer_lines[i + 1 :]
            break
    rest = body[tip_at + 1 :]
    has_chips = any(line.strip() == CHIPS_MARK for line in rest)
    related_at = next(i for i, line in enumerate(rest) if line.strip() == RELATED_MARK)
    footer_at = next((i for i, line in enumerate(rest) if FOOTER_START in line), len(rest))
    card_lines = rest[related_at + 1 : footer_at]
    tail = rest[footer_at] if footer_at < len(rest) else ""
    if tail and not tail.startswith(FOOTER_START):  # the footer glued to the last line
        card_lines.append(tail.split(FOOTER_START)[0])
    if has_chips and seed_id not in CHIPS:
        raise ValueError(f"{path.name}: has 大家都在搜 but no invented chips")
    record = {
        "id": seed_id,
        "file": path.name,
        "question": question,
        "disclaimer": disclaimer,
        "tip": body[tip_at].strip(),
        "chips": CHIPS.get(seed_id, []) if has_chips else [],
        "blocks": _parse_answer(answer_lines),
        "cards": _parse_cards(card_lines, seed_id),
    }
    unknown = OFF_TOPIC.get(seed_id, set()) - {card["title"] for card in record["cards"]}
    if unknown:
        raise ValueError(f"{path.name}: off-topic labels for unknown cards: {sorted(unknown)}")
    return record


def parse_dir(seeds_dir: Path) -> list[dict[str, Any]]:
    """All ``NNN_*.txt`` dumps of a directory, in name order, with ids s000, s001, ..."""
    files = sorted(seeds_dir.glob("[0-9][0-9][0-9]_*.txt"))
    if not files:
        raise FileNotFoundError(f"no NNN_*.txt seed dumps in {seeds_dir}")
    return [parse_seed(path, "s" + path.name[:3]) for path in files]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sample_site.seeds SEEDS_DIR", file=sys.stderr)
        return 2
    seeds = parse_dir(Path(argv[0]))
    SEEDS_JSON.write_text(json.dumps(seeds, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SEEDS_JSON} ({len(seeds)} seeds, {sum(len(s['cards']) for s in seeds)} cards)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
