"""Price protection (价保): the period from the rule set or the anchor's promise, the comparable later prices,
the refund of the difference, and the denials, each with a reason a buyer can check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from policy_factories import EXAMPLE_2026_07, make_facts

from aftersales.policy.price_rules import PricePoint, comparable_drops
from aftersales.policy.rules import Decision, decide
from aftersales.policy.service import read_rule_file
from aftersales.policy.vocabulary import Outcome, Remedy

Judge = Callable[..., Decision]
ORDERED = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)


def drop(day: int, price: str, source: str = "promotion", ref: str = "") -> dict[str, Any]:
    at = ORDERED + timedelta(days=day, hours=3)
    return {"day": day, "price": price, "at": at.isoformat(), "source": source, "ref": ref}


def asked(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"problem": "price_protection", "case_type": "price_protection", "unit_paid": "199.00",
                            "paid_amount": "199.00", "days_since_order": 10, "days_since_delivery": 7,
                            "promised_price_days": 30, "price_drops": [drop(3, "159.00", "live", "LS-9")]}
    return {**base, **changes}


def test_within_the_promised_period_the_difference_is_refunded_without_a_return(judge: Judge) -> None:
    decision = judge(**asked())
    assert (decision.outcome, decision.remedy, decision.refund_amount) == (Outcome.APPROVE, Remedy.REFUND,
                                                                          Decimal("40.00"))
    reason = decision.reasons[0]
    assert reason.rule_id == "price.difference_refund" and reason.fact.startswith("price_drops=")
    # the price, when (Beijing time) and where: 2026-11-04 07:00 UTC is 15:00 in Shanghai
    assert "159.00" in reason.zh and "2026-11-04 15:00" in reason.zh and "直播场次 LS-9" in reason.zh
    assert "159.00" in reason.en and "live session LS-9" in reason.en and "30 days" in reason.en
    assert decision.deadline is not None and decision.deadline.action == "refund"


def test_the_lowest_price_within_the_period_counts_and_later_ones_do_not(judge: Judge) -> None:
    drops = [drop(3, "179.00"), drop(6, "159.00"), drop(12, "99.00")]
    assert judge(**asked(promised_price_days=7, price_drops=drops, days_since_order=7)).refund_amount == Decimal("40.00")
    assert judge(**asked(promised_price_days=15, price_drops=drops)).refund_amount == Decimal("100.00")


def test_units_multiply_the_difference_and_the_refund_never_exceeds_what_was_paid(judge: Judge) -> None:
    three = judge(**asked(quantity=3, paid_amount="597.00"))
    assert three.refund_amount == Decimal("120.00")
    capped = judge(**asked(paid_amount="30.00"))  # a partial claim that was paid less than the difference
    assert capped.refund_amount == Decimal("30.00")


@pytest.mark.parametrize(("changes", "rule"), [
    ({"promised_price_days": None}, "price.not_offered"),
    ({"days_since_order": 31}, "price.period_over"),
    ({"price_drops": []}, "price.no_lower_price"),
    ({"price_drops": [drop(2, "199.00")]}, "price.no_lower_price"),  # the same price is no drop
    ({"price_drops": [drop(31, "99.00")]}, "price.no_lower_price"),  # after the period
])
def test_otherwise_it_is_denied_naming_why(judge: Judge, changes: dict[str, Any], rule: str) -> None:
    decision = judge(**asked(**changes))
    assert (decision.outcome, decision.reasons[0].rule_id, decision.refund_amount) == (Outcome.DENY, rule, 0)
    assert decision.reasons[0].zh and decision.reasons[0].en


def test_the_period_over_reason_names_the_period_and_the_day_asked(judge: Judge) -> None:
    reason = judge(**asked(days_since_order=40)).reasons[0]
    assert "30天" in reason.zh and "第40天" in reason.zh and "day 40" in reason.en


def test_a_promise_longer_than_the_cap_is_held_to_it(judge: Judge) -> None:
    decision = judge(**asked(promised_price_days=365, days_since_order=100))
    assert decision.reasons[0].rule_id == "price.period_over" and "90天" in decision.reasons[0].zh


def test_a_rule_set_with_a_base_period_protects_without_a_promise() -> None:
    example = read_rule_file(EXAMPLE_2026_07)  # base_days = 7
    facts = make_facts(**asked(promised_price_days=None, days_since_order=5))
    decision = decide(facts, example)
    assert decision.outcome == Outcome.APPROVE and "本规则的基础价保期" in decision.reasons[0].zh
    longer = decide(make_facts(**asked(promised_price_days=30, days_since_order=20)), example)
    assert longer.outcome == Outcome.APPROVE and "主播直播间承诺" in longer.reasons[0].zh


def point(hours: float, price: str, **changes: Any) -> PricePoint:
    values: dict[str, Any] = {"price": Decimal(price), "at": ORDERED + timedelta(hours=hours), "source": "promotion",
                              **changes}
    return PricePoint(**values)


def comparable(points: list[PricePoint], **changes: Any) -> list[tuple[int, str]]:
    args: dict[str, Any] = {"sku": "豆沙色", "ordered_at": ORDERED, "requested_at": ORDERED + timedelta(days=20),
                            "line_total": Decimal("199.00"), "anchor_id": "A-1", **changes}
    return [(d.day, f"{d.price}") for d in comparable_drops(points, **args)]


def test_only_prices_this_buyer_could_have_paid_for_this_sku_after_ordering_are_compared() -> None:
    points = [
        point(-1, "99.00"),  # before the order
        point(30, "150.00", sku="正红色"),  # another SKU
        point(40, "120.00", audience="new_buyer"),  # for new buyers only
        point(41, "121.00", audience="member"),  # membership is not recorded
        point(42, "122.00", audience="fans", anchor_id="A-2"),  # another anchor's fans
        point(43, "140.00", source="coupon", min_spend=Decimal("300.00")),  # a threshold the line did not reach
        point(24 * 25, "100.00"),  # after the request
        point(50, "170.00", sku="豆沙色"),
        point(60, "160.00", audience="fans", anchor_id="A-1", source="live"),
        point(70, "165.00"),  # not a new low
    ]
    assert comparable(points) == [(2, "170.00"), (2, "160.00")]


def test_ties_keep_the_earliest_offer_and_a_product_wide_price_counts_for_every_sku() -> None:
    assert comparable([point(24 * 4, "150.00"), point(24 * 2, "150.00", sku="")]) == [(2, "150.00")]
