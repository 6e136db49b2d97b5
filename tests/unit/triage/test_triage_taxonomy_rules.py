"""Taxonomy ids are API; risk flags and symptoms are exact lexicon rules."""

from __future__ import annotations

import pytest

from aftersales.triage import rules
from aftersales.triage.normalize import normalize
from aftersales.triage.service import model
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS, RISK_FLAGS

ISSUE_CATEGORIES = [
    "logistics_delay", "damaged_in_transit", "quality_defect", "not_as_described", "counterfeit", "size_fit",
    "allergy_reaction", "missing_item", "no_reason_return", "refund_progress", "price_protection",
    "virtual_goods", "other",
]


def test_ids_are_exactly_the_issue_taxonomy() -> None:
    assert list(CATEGORIES) == ISSUE_CATEGORIES
    assert set(EMOTIONS) == {"calm", "anxious", "disappointed", "angry"}
    assert set(RISK_FLAGS) == {"public_opinion", "group_complaint", "safety"}


def test_shipped_model_predicts_exactly_the_taxonomy() -> None:
    m = model()
    assert list(m.category.classes) == ISSUE_CATEGORIES
    assert set(m.emotion.classes) == set(EMOTIONS)


@pytest.mark.parametrize(("text", "flag"), [
    ("再不退款我就去12315投诉", "public_opinion"),
    ("我要找媒体曝光你们", "public_opinion"),
    ("已经请了律师，准备起诉", "public_opinion"),
    ("我们好多人都买到了坏的", "group_complaint"),
    ("群里都说是假货", "group_complaint"),
    ("用完烂脸了", "safety"),
    ("孩子误吃了一颗，现在在医院", "safety"),
])
def test_risk_cue_raises_its_flag(text: str, flag: str) -> None:
    assert flag in rules.risk_flags(normalize(text))


def test_ordinary_complaint_raises_no_flag() -> None:
    assert rules.risk_flags(normalize("快递三天没动了，帮我催一下")) == ()


def test_traditional_characters_still_raise_flags() -> None:
    assert "safety" in rules.risk_flags(normalize("去醫院看了，臉都腫了"))


@pytest.mark.parametrize(("text", "expected"), [
    ("用了之后脸上泛红，还有点刺痛", {"泛红", "刺痛"}),
    ("痒得受不了，起了好多小红点", {"瘙痒", "起疹"}),
    ("额头爆痘，嘴角还脱皮", {"爆痘/闭口", "脱皮"}),
    ("眼皮肿了", {"肿"}),
    ("粉底卡粉又脱妆，半天就氧化", {"卡粉", "脱妆", "氧化"}),
])
def test_symptoms_are_named_canonically(text: str, expected: set[str]) -> None:
    assert set(rules.symptoms(normalize(text))) == expected


def test_denied_symptom_is_not_reported() -> None:
    assert rules.symptoms(normalize("没有泛红也不痒，就是卡粉")) == ("卡粉",)
