"""Pure lexicon rules: risk flags and beauty symptoms. They must be exact and explainable, so no model."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from typing import Final

# Each flag fires on any of its cues; the lists are what agents escalate on today (SPEC §Operations 2).
RISK_CUES: Final[dict[str, tuple[str, ...]]] = {
    "public_opinion": (
        "曝光", "媒体", "记者", "12315", "12345", "消协", "消费者协会", "市场监管", "工商局", "律师", "起诉",
        "法院", "打官司", "上热搜", "发微博", "发小红书", "发抖音", "黑猫投诉", "网上说", "让大家评评理",
        "报警", "维权",
    ),
    "group_complaint": (
        "我们好多人", "好多人都", "很多人都", "群里都", "群里好多", "群里的人", "不止我一个", "不止我一人",
        "大家都", "集体", "一起投诉", "联名", "好几个姐妹", "姐妹们都", "宝妈群", "粉丝群",
        "评论区都", "家人们都", "同事都买", "个人都", "几个人都", "宿舍都", "全家都",
    ),
    "safety": (
        "医院", "住院", "急诊", "就医", "看医生", "皮肤科", "诊断", "烂脸", "毁容", "孕妇", "怀孕", "呼吸困难", "喘不上气", "休克", "中毒", "吃坏", "拉肚子", "呕吐",
        "发烧", "烫伤", "烧伤", "漏电", "触电", "爆炸", "起火", "冒烟", "划伤", "割伤", "流血",
    ),
}

# A child is a safety matter only when something happened to it ("孩子用了起疹子"), not "孩子穿着小了".
CHILD_CUES: Final[tuple[str, ...]] = ("孩子", "小孩", "宝宝", "婴儿", "儿童", "宝贝", "女儿", "儿子")
HARM_CUES: Final[tuple[str, ...]] = (
    "过敏", "疹", "红肿", "肿了", "吃了", "误吃", "误食", "吞", "吃进去", "受伤", "划伤", "烫", "哭", "不舒服", "发烧",
    "呕吐", "拉肚子", "咳", "痒", "痛", "疼", "出血", "流血", "窒息", "卡住喉咙", "中毒", "起了",
)

# Canonical symptom -> the ways buyers say it. Order matters only for output order (clinical severity).
SYMPTOM_CUES: Final[dict[str, tuple[str, ...]]] = {
    "泛红": ("泛红", "发红", "红了", "脸红", "变红", "通红", "红红的", "红一片", "红肿"),
    "刺痛": ("刺痛", "刺疼", "扎脸", "火辣辣", "灼烧", "灼热", "烧得慌", "蛰", "辣辣的", "疼得", "好疼", "很疼"),
    "瘙痒": ("瘙痒", "痒"),
    "起疹": ("起疹", "疹子", "红疹", "湿疹", "荨麻疹", "风团", "疙瘩", "红点"),
    "爆痘/闭口": ("爆痘", "长痘", "冒痘", "起痘", "闭口", "粉刺", "痘痘"),
    "脱皮": ("脱皮", "掉皮", "起皮", "蜕皮"),
    "肿": ("红肿", "又红又肿", "肿了", "肿起", "浮肿", "水肿", "肿肿的", "眼皮肿", "嘴肿", "脸肿"),
    "卡粉": ("卡粉", "浮粉"),
    "脱妆": ("脱妆", "掉妆", "斑驳"),
    "氧化": ("氧化", "暗沉", "变黄", "发灰", "变暗"),
}

SYMPTOM_EN: Final[dict[str, str]] = {
    "泛红": "redness",
    "刺痛": "stinging",
    "瘙痒": "itching",
    "起疹": "rash",
    "爆痘/闭口": "breakouts/closed comedones",
    "脱皮": "peeling",
    "肿": "swelling",
    "卡粉": "cakey foundation",
    "脱妆": "makeup wearing off",
    "氧化": "oxidising (darkening)",
}

# A cue right after one of these is denied ("没有过敏", "不痒"), so it is not reported.
_NEGATORS: Final[tuple[str, ...]] = ("没有", "没", "不", "无", "并未", "未", "不会", "不是")


def _alternation(cues: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "红肿" wins over "红" in the same spot.
    return re.compile("|".join(re.escape(c) for c in sorted(set(cues), key=len, reverse=True)))


_RISK_RE: Final[dict[str, re.Pattern[str]]] = {flag: _alternation(c) for flag, c in RISK_CUES.items()}
_SYMPTOM_RE: Final[dict[str, re.Pattern[str]]] = {s: _alternation(c) for s, c in SYMPTOM_CUES.items()}
_CHILD_RE: Final[re.Pattern[str]] = _alternation(CHILD_CUES)
_HARM_RE: Final[re.Pattern[str]] = _alternation(HARM_CUES)
_ANY_RISK_RE: Final[re.Pattern[str]] = _alternation(tuple(c for cs in RISK_CUES.values() for c in cs) + CHILD_CUES)
_ANY_SYMPTOM_RE: Final[re.Pattern[str]] = _alternation(tuple(c for cs in SYMPTOM_CUES.values() for c in cs))


# The buyer is already being treated: telling them to see a doctor would read as not having listened.
TREATED_CUES: Final[tuple[str, ...]] = (
    "住院", "在医院", "去了医院", "去医院看", "医院看了", "看了医生", "看过医生", "挂水", "输液", "急诊", "皮肤科",
    "诊断", "医生说", "已就医", "就医了", "开了药", "打针", "病历",
)
_TREATED_RE: Final[re.Pattern[str]] = re.compile("|".join(re.escape(c) for c in TREATED_CUES))


def candidates(texts: Sequence[str]) -> tuple[set[int], set[int], set[int]]:
    """Which of the (normalised) messages may carry a risk flag, a symptom or a treatment: one scan of the
    whole batch per kind, so the exact rules run only where a cue word is."""
    joined = "\n".join(texts)  # no cue spans a line break
    starts = [0]
    for t in texts[:-1]:
        starts.append(starts[-1] + len(t) + 1)

    def rows(pattern: re.Pattern[str]) -> set[int]:
        return {bisect_right(starts, m.start()) - 1 for m in pattern.finditer(joined)}

    return rows(_ANY_RISK_RE), rows(_ANY_SYMPTOM_RE), rows(_TREATED_RE)


def already_treated(text: str) -> bool:
    """The (normalised) message says a doctor or hospital is already involved."""
    return _TREATED_RE.search(text) is not None


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 3) : start]
    return any(window.endswith(n) for n in _NEGATORS)


def risk_flags(text: str) -> tuple[str, ...]:
    """Risk flags in taxonomy order; `text` must already be normalised."""
    if _ANY_RISK_RE.search(text) is None:  # the common case: one scan and out
        return ()
    return tuple(flag for flag, pattern in _RISK_RE.items()
                 if pattern.search(text) or (flag == "safety" and _harmed_child(text)))


def _harmed_child(text: str) -> bool:
    return _CHILD_RE.search(text) is not None and _HARM_RE.search(text) is not None


def symptoms(text: str) -> tuple[str, ...]:
    """Canonical beauty symptoms that the buyer reports having (negated mentions are dropped)."""
    if _ANY_SYMPTOM_RE.search(text) is None:  # the common case: one C-level scan and out
        return ()
    found: list[str] = []
    for name, pattern in _SYMPTOM_RE.items():
        if any(not _negated(text, m.start()) for m in pattern.finditer(text)):
            found.append(name)
    return tuple(found)
