"""A case is judged by the rules in force when its order was placed (shown with the example 2026-07 version,
which is not shipped: the shipped rules are SPEC §4's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from policy_factories import example_book, make_facts

from aftersales.policy.rules import Decision, decide
from aftersales.policy.service import RuleBook, decide_for
from aftersales.policy.vocabulary import Outcome, Remedy
from aftersales.problems import InvalidInput

Judge = Callable[..., Decision]
EXAMPLE = example_book()


@pytest.fixture
def judge() -> Judge:
    def run(**changes: object) -> Decision:
        facts = make_facts(**changes)
        return decide(facts, EXAMPLE.for_facts(facts))

    return run


def test_the_shipped_book_is_the_spec_base_and_versions_sort_oldest_first(book: RuleBook) -> None:
    assert [v.version for v in book.versions] == ["2025-01"]
    dates = [v.effective_from for v in EXAMPLE.versions]
    assert dates == sorted(dates) and len(dates) == 2


def test_the_shipped_electronics_exchange_window_is_the_spec_15_days(book: RuleBook) -> None:
    common = {"product_category": "phone", "problem": "quality_defect", "evidence": ["photo"], "item_state": "used"}
    day15 = decide_for(make_facts(days_since_delivery=15, **common), book)
    day16 = decide_for(make_facts(days_since_delivery=16, **common), book)
    assert (day15.remedy, day16.remedy) == (Remedy.EXCHANGE, Remedy.REPAIR)


@pytest.mark.parametrize(
    ("ordered", "version"),
    [(date(2025, 1, 1), "2025-01"), (date(2026, 6, 30), "2025-01"), (date(2026, 7, 1), "2026-07")],
)
def test_the_set_in_force_changes_on_its_effective_date(ordered: date, version: str) -> None:
    assert EXAMPLE.for_date(ordered).version == version


def test_an_electronics_defect_on_day_20_is_repaired_under_the_old_rules_and_exchanged_under_the_new(
    judge: Judge,
) -> None:
    common = {
        "product_category": "phone",
        "problem": "quality_defect",
        "days_since_delivery": 20,
        "evidence": ["photo"],
        "item_state": "used",
    }
    old = judge(order_placed_at=date(2026, 6, 30), **common)
    new = judge(order_placed_at=date(2026, 7, 1), **common)
    assert (old.remedy, old.rules_version) == (Remedy.REPAIR, "2025-01")
    assert (new.remedy, new.rules_version) == (Remedy.EXCHANGE, "2026-07")


def test_a_base_price_protection_exists_only_for_orders_under_the_example_2026_rules(judge: Judge) -> None:
    drop = {"day": 2, "price": "80.00", "at": "2026-09-07T12:00:00+00:00", "source": "promotion"}
    common = {"problem": "price_protection", "case_type": "price_protection", "unit_paid": "100.00",
              "days_since_order": 5, "price_drops": [drop], "days_since_delivery": 3}
    old = judge(order_placed_at=date(2026, 1, 5), **common)
    new = judge(order_placed_at=date(2026, 9, 5), **common)
    assert (old.outcome, old.reasons[0].rule_id) == (Outcome.DENY, "price.not_offered")
    assert (new.outcome, new.refund_amount) == (Outcome.APPROVE, Decimal("20.00"))


def test_a_case_filed_after_the_change_keeps_the_rules_of_its_order_date() -> None:
    # Filed on 2026-07-10 but ordered in June: delivery day 20 under the 2025 rules → repair.
    facts = make_facts(
        product_category="electronics", problem="quality_defect", days_since_delivery=20,
        evidence=["photo"], item_state="used", order_placed_at=date(2026, 6, 20),
    )  # fmt: skip
    assert decide_for(facts, EXAMPLE).remedy == Remedy.REPAIR


def test_an_order_before_the_first_rule_set_is_refused_naming_the_field(book: RuleBook) -> None:
    with pytest.raises(InvalidInput) as caught:
        decide_for(make_facts(order_placed_at=date(2024, 12, 31)), book)
    assert caught.value.extra["field"] == "order_placed_at"


def test_without_an_order_date_the_newest_rules_apply(book: RuleBook) -> None:
    facts = make_facts(order_placed_at=None)
    assert decide_for(facts, book).rules_version == book.newest.version
