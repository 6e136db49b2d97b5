"""Factories for policy tests: valid facts in one line, each test saying what it changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from aftersales.policy.facts import Facts, parse_facts
from aftersales.policy.rules import Decision
from aftersales.policy.service import RuleBook, load_rules, read_rule_file, with_versions

CURRENT_ORDER = date(2026, 8, 1)
OLD_ORDER = date(2026, 3, 1)
#: example rule versions for tests and docs, never shipped: 2026-07 departs from SPEC §4 on purpose
EXAMPLE_DIR = Path(__file__).parents[2] / "fixtures" / "policy"
EXAMPLE_2026_07 = EXAMPLE_DIR / "2026-07-01.toml"


def example_book() -> RuleBook:
    """The shipped rules with the example 2026-07 version after them: a book with two versions."""
    return with_versions(load_rules(), [read_rule_file(EXAMPLE_2026_07)])


def facts_dict(**changes: Any) -> dict[str, Any]:
    """A valid JSON facts object: an unopened T-shirt returned without reason on day 3; override per test."""
    base: dict[str, Any] = {
        "product_category": "apparel",
        "product_tags": [],
        "case_type": "return_refund",
        "problem": "no_reason_return",
        "days_since_delivery": 3,
        "item_state": "unopened",
        "evidence": [],
        "promises": [],
        "shipping_insurance": False,
        "paid_amount": "100.00",
        "order_placed_at": CURRENT_ORDER.isoformat(),
    }
    base.update(changes)
    return base


def make_facts(**changes: Any) -> Facts:
    if isinstance(changes.get("order_placed_at"), date):
        changes["order_placed_at"] = changes["order_placed_at"].isoformat()
    return parse_facts(facts_dict(**changes))


def rule_ids(decision: Decision) -> list[str]:
    return [reason.rule_id for reason in decision.reasons]
