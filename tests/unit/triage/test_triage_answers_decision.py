"""Answers agree with the policy decision, the product's category and what the buyer already told us."""

from __future__ import annotations

import pytest

from aftersales.triage import service
from aftersales.triage.answers import answer
from aftersales.triage.taxonomy import CATEGORIES

PROMISES = ("可以退货", "签收7天内", "已为您通过", "为您退货退款", "为您换新", "可以的")


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_deny_never_sits_beside_a_promise(category: str) -> None:
    zh, en = answer(category, policy_outcome="deny", remedy="none")
    assert "不支持" in zh and "not eligible" in en
    assert not [p for p in PROMISES if p in zh]


@pytest.mark.parametrize("category", CATEGORIES)
def test_evidence_is_asked_for_once(category: str) -> None:
    zh, _ = answer(category, policy_outcome="needs_evidence", symptoms=("泛红", "卡粉"))
    assert zh.count("上传") == 1


def test_approve_names_the_decided_remedy_not_the_class_default() -> None:
    zh, en = answer("quality_defect", policy_outcome="approve", remedy="refund")
    assert "退款" in zh and "原路退回" in zh and "refund" in en
    assert "换新" not in zh
    exchange, _ = answer("quality_defect", policy_outcome="approve", remedy="exchange")
    assert "换货" in exchange and "原路退回" not in exchange


def test_no_size_chart_for_a_cleanser() -> None:
    skincare, en = answer("size_fit", product_category="skincare")
    assert "尺码表" not in skincare and "size chart" not in en
    apparel, _ = answer("size_fit", product_category="apparel")
    assert "尺码表" in apparel


def test_a_buyer_already_in_hospital_is_not_told_to_see_a_doctor() -> None:
    a = service.assess("孩子用了你们的面霜起疹子，已经住院了，医药费你们必须负责")
    assert "safety" in a.risk_flags
    assert "就医" not in a.answer_zh.replace("您已在就医", "")
    assert "诊断证明" in a.answer_zh
    fresh = service.assess("孩子用了你们的面霜起了一身疹子")
    assert "立即就医" in fresh.answer_zh or "及时就医" in fresh.answer_zh
