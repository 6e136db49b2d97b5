"""Factories for policy tests: valid facts in one line, each test saying what it changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from aftersales.policy.facts import Facts, parse_facts
from aftersales.policy.rules import Decision

# An order placed while the newest rule set (2026-07) is in force; tests that need the older set say so.
CURRENT_ORDER = date(2026, 8, 1)
OLD_ORDER = date(2026, 3, 1)


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
