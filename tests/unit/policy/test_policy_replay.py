"""Replay: past cases decided again under a draft beside the rules that decided them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from policy_factories import EXAMPLE_2026_07, make_facts

from aftersales.policy.lines import LineFacts
from aftersales.policy.replay import ReplayCase, replay
from aftersales.policy.service import RuleBook, read_rule_file

DRAFT = read_rule_file(EXAMPLE_2026_07)  # 3C exchange to day 30, a 7-day base price protection


def case(case_id: str, **changes: Any) -> ReplayCase:
    facts = make_facts(**changes)
    return ReplayCase(case_id, "2025-01", "", (LineFacts("O-" + case_id, 1, 1, "P", 1, facts),))


def phone(case_id: str, day: int) -> ReplayCase:
    return case(case_id, product_category="phone", problem="quality_defect", days_since_delivery=day,
                evidence=["photo"], item_state="used", paid_amount="2999.00")


def price(case_id: str) -> ReplayCase:
    drop = {"day": 2, "price": "80.00", "at": "2026-08-03T02:00:00+00:00", "source": "promotion"}
    return case(case_id, problem="price_protection", case_type="price_protection", unit_paid="100.00",
                days_since_order=5, price_drops=[drop])


def test_a_rule_set_replayed_against_itself_changes_nothing(book: RuleBook) -> None:
    cases = [phone("C1", 20), price("C2"), case("C3")]
    report = replay(cases, book, book.newest).as_dict()
    assert (report["cases"], report["changed"], report["changes"]) == (3, 0, [])
    assert report["refund"]["difference"] == "0.00" and report["cost_difference"] == "0.00"


def test_the_draft_shows_each_change_its_direction_cost_and_examples(book: RuleBook) -> None:
    cases = [phone("C1", 20), phone("C2", 25), phone("C3", 40), price("C4"), case("C5")]
    report = replay(cases, book, DRAFT, examples=1).as_dict()
    assert (report["cases"], report["changed"], report["unchanged"]) == (5, 3, 2)
    changes = {(c["from"], c["to"]): c for c in report["changes"]}
    repair = changes[("approve/repair", "approve/exchange")]
    assert (repair["cases"], repair["direction"]) == (2, "remedy_changed")
    assert [e["case_id"] for e in repair["examples"]] == ["C1"]
    assert repair["examples"][0]["after"]["rule_id"] == "electronics.quality_exchange"
    protection = changes[("deny/none", "approve/refund")]
    assert (protection["cases"], protection["direction"], protection["refund_difference"]) == (
        1, "more_generous", "20.00")
    assert report["directions"] == {"more_generous": 1, "stricter": 0, "remedy_changed": 2}
    assert Decimal(report["refund"]["difference"]) == Decimal("20.00")


def test_reversing_the_draft_reports_the_same_changes_the_other_way(book: RuleBook) -> None:
    from aftersales.policy.service import with_versions

    cases = [phone("C1", 20), price("C4")]
    drafted = with_versions(book, [DRAFT])
    back = replay([ReplayCase(c.case_id, "2026-07", "", c.lines) for c in cases], drafted, book.newest).as_dict()
    assert back["directions"]["stricter"] == 1 and back["refund"]["difference"] == "-20.00"


def test_a_recorded_version_no_longer_in_the_book_is_compared_under_the_one_in_force(book: RuleBook) -> None:
    withdrawn = ReplayCase("C1", "2026-07", "approve", phone("C1", 20).lines)
    report = replay([withdrawn], book, book.newest).as_dict()
    assert report["baseline_substituted"] == 1 and report["changed"] == 0
