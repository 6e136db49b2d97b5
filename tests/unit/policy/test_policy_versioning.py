"""A case is judged by the rules in force when its order was placed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from policy_factories import make_facts

from aftersales.policy.rules import Decision
from aftersales.policy.service import RuleBook, decide_for
from aftersales.policy.vocabulary import Outcome, Remedy
from aftersales.problems import InvalidInput

Judge = Callable[..., Decision]


def test_the_packaged_book_has_two_versions_oldest_first(book: RuleBook) -> None:
    dates = [v.effective_from for v in book.versions]
    assert dates == sorted(dates) and len(dates) >= 2


@pytest.mark.parametrize(
    ("ordered", "version"),
    [(date(2025, 1, 1), "2025-01"), (date(2026, 6, 30), "2025-01"), (date(2026, 7, 1), "2026-07")],
)
def test_the_set_in_force_changes_on_its_effective_date(book: RuleBook, ordered: date, version: str) -> None:
    assert book.for_date(ordered).version == version


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


def test_price_protection_exists_only_for_orders_under_the_2026_rules(judge: Judge) -> None:
    old = judge(problem="price_protection", case_type="price_protection", order_placed_at=date(2026, 1, 5))
    new = judge(problem="price_protection", case_type="price_protection", order_placed_at=date(2026, 9, 5))
    assert old.outcome == Outcome.DENY
    assert new.outcome == Outcome.NEEDS_HUMAN


def test_a_case_filed_after_the_change_keeps_the_rules_of_its_order_date(book: RuleBook) -> None:
    # Filed on 2026-07-10 but ordered in June: delivery day 20 under the 2025 rules → repair.
    facts = make_facts(
        product_category="electronics", problem="quality_defect", days_since_delivery=20,
        evidence=["photo"], item_state="used", order_placed_at=date(2026, 6, 20),
    )  # fmt: skip
    assert decide_for(facts, book).remedy == Remedy.REPAIR


def test_an_order_before_the_first_rule_set_is_refused_naming_the_field(book: RuleBook) -> None:
    with pytest.raises(InvalidInput) as caught:
        decide_for(make_facts(order_placed_at=date(2024, 12, 31)), book)
    assert caught.value.extra["field"] == "order_placed_at"


def test_without_an_order_date_the_newest_rules_apply(book: RuleBook) -> None:
    facts = make_facts(order_placed_at=None)
    assert decide_for(facts, book).rules_version == book.newest.version
