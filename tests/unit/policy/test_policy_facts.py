"""The facts parser: strict, naming the field, in Chinese and English."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from policy_factories import facts_dict

from aftersales.policy.facts import facts_as_dict, parse_facts
from aftersales.policy.vocabulary import Evidence, Promise
from aftersales.problems import InvalidInput


def field_of(data: Any) -> str | None:
    with pytest.raises(InvalidInput) as caught:
        parse_facts(data)
    assert " / " in caught.value.detail  # zh-CN / English
    return caught.value.extra.get("field")


def test_an_unknown_field_is_refused_by_name() -> None:
    assert field_of(facts_dict(colour="red")) == "colour"


@pytest.mark.parametrize("name", ["product_category", "paid_amount", "evidence", "shipping_insurance"])
def test_a_missing_required_field_is_refused_by_name(name: str) -> None:
    data = facts_dict()
    del data[name]
    assert field_of(data) == name


def test_order_date_and_claim_mismatch_are_optional() -> None:
    data = facts_dict()
    del data["order_placed_at"]
    facts = parse_facts(data)
    assert facts.order_placed_at is None and facts.claim_mismatch is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("case_type", "refund"),
        ("problem", "broken"),
        ("item_state", "new"),
        ("evidence", ["selfie"]),
        ("evidence", "photo"),
        ("promises", ["lifetime_warranty"]),
        ("days_since_delivery", -1),
        ("days_since_delivery", 2.5),
        ("days_since_delivery", True),
        ("shipping_insurance", 1),
        ("paid_amount", -5),
        ("paid_amount", True),
        ("paid_amount", "12元"),
        ("paid_amount", "NaN"),
        ("product_category", ""),
        ("order_placed_at", "yesterday"),
        ("claim_mismatch", "yes"),
        ("days_since_order", -3),
        ("promised_price_days", "30天"),
        ("unit_paid", "abc"),
        ("quantity", 0),
        ("price_drops", "159"),
        ("price_drops", [{"day": 1}]),
        ("price_drops", [{"day": 1, "price": "9", "at": "tomorrow", "source": "live"}]),
        ("price_drops", [{"day": -1, "price": "9", "at": "2026-11-01T00:00:00+00:00", "source": "live"}]),
        ("price_drops", [{"day": 1, "price": "9", "at": "2026-11-01T00:00:00+00:00", "source": "live", "x": 1}]),
    ],
)
def test_ill_typed_values_are_refused_by_name(name: str, value: Any) -> None:
    assert field_of(facts_dict(**{name: value})) == name


def test_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_facts(["apparel"])


def test_amounts_keep_their_decimal_value() -> None:
    assert parse_facts(facts_dict(paid_amount=19.9)).paid_amount == Decimal("19.9")
    assert parse_facts(facts_dict(paid_amount="0.10")).paid_amount == Decimal("0.10")


def test_list_order_and_duplicates_do_not_matter() -> None:
    shuffled = facts_dict(evidence=["video", "photo", "photo"], promises=["fake_pays_ten", "allergy_refund"])
    a = parse_facts(shuffled)
    b = parse_facts(facts_dict(evidence=["photo", "video"], promises=["allergy_refund", "fake_pays_ten"]))
    assert a == b
    assert a.evidence == (Evidence.PHOTO, Evidence.VIDEO)
    assert Promise.ALLERGY_REFUND in a.promises


def test_not_delivered_is_null_days() -> None:
    assert parse_facts(facts_dict(days_since_delivery=None)).days_since_delivery is None


def test_facts_round_trip_through_json_shape() -> None:
    facts = parse_facts(facts_dict(claim_mismatch=True, product_tags=["敏感肌"], evidence=["photo"]))
    assert parse_facts(facts_as_dict(facts)) == facts


def test_price_facts_round_trip_and_the_fast_reader_agrees_with_the_strict_one() -> None:
    from aftersales.policy.facts import facts_from_record

    drops = [{"day": 9, "price": "120", "at": "2026-11-10T00:00:00+00:00", "source": "promotion"},
             {"day": 2, "price": "150.5", "at": "2026-11-03T00:00:00+00:00", "source": "live", "ref": "LS-1"}]
    facts = parse_facts(facts_dict(days_since_order=9, promised_price_days=30, unit_paid="199.00", quantity=2,
                                   price_drops=drops))
    assert [d.day for d in facts.price_drops] == [2, 9]  # earliest first, whatever order they came in
    record = facts_as_dict(facts)
    assert parse_facts(record) == facts == facts_from_record(record)
    broken = {**record, "quantity": "two"}
    with pytest.raises(InvalidInput) as caught:
        facts_from_record(broken)
    assert caught.value.extra["field"] == "quantity"
