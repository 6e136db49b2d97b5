"""Automated QC of agent replies: tone and service faults a reviewer would flag."""

from __future__ import annotations

from aftersales.cases.reply_quality import review_reply


def test_empathetic_reply_with_a_next_step_passes_clean() -> None:
    review = review_reply("非常抱歉给您带来不便，已为您安排补发，预计48小时内发出")
    assert review.sentiment == "empathetic" and review.flags == ()


def test_blaming_the_buyer_is_negative_and_flagged() -> None:
    review = review_reply("你自己看说明书，不归我们管")
    assert review.sentiment == "negative"
    assert "blames_buyer" in review.flags


def test_refusal_needs_a_reason() -> None:
    assert "refusal_without_reason" in review_reply("这个不能退").flags
    assert "refusal_without_reason" not in review_reply("因为已经超过七天，按照规则不能无理由退货，可以为您申请维修").flags


def test_curt_reply_without_next_step() -> None:
    review = review_reply("收到")
    assert review.sentiment == "neutral" and {"curt", "no_next_step"} <= set(review.flags)
