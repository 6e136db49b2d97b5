"""Item-level decisions: each line judged on its own product and payment, one decision per order, and a case
decision that never refunds more than was paid for its lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from policy_factories import make_facts

from aftersales.policy.lines import LineFacts, decide_lines
from aftersales.policy.service import RuleBook, decide_for
from aftersales.policy.vocabulary import Outcome, Remedy


def line(order_id: str, line_no: int, **changes: Any) -> LineFacts:
    facts = make_facts(**changes)
    return LineFacts(order_id=order_id, line_no=line_no, item_id=line_no, product_id=f"P{line_no}", quantity=1,
                     facts=facts)


def test_one_line_gives_exactly_the_single_decision(book: RuleBook) -> None:
    only = line("O1", 1, paid_amount="129.90")
    judged = decide_lines([only], lambda f: decide_for(f, book))
    assert judged.decision == decide_for(only.facts, book)
    (order,) = judged.orders
    assert order.refund_amount == Decimal("129.90") and order.lines[0].as_dict()["returned"] is True


def test_a_basket_return_refunds_the_eligible_line_and_says_why_the_other_is_not(book: RuleBook) -> None:
    shirt = line("O1", 1, paid_amount="88.50")
    snack = line("O1", 2, product_category="food", paid_amount="25.00")
    judged = decide_lines([shirt, snack], lambda f: decide_for(f, book))
    assert (judged.decision.outcome, judged.decision.remedy) == (Outcome.APPROVE, Remedy.RETURN_REFUND)
    assert judged.decision.refund_amount == Decimal("88.50")
    outcomes = [(li.line.line_no, li.decision.outcome, li.decision.reasons[0].rule_id) for li in judged.lines]
    assert outcomes == [(1, Outcome.APPROVE, "resale.unopened"), (2, Outcome.DENY, "exclude.food")]
    summary = judged.decision.reasons[-1]
    assert summary.rule_id == "case.lines" and "第2行：不支持" in summary.zh


def test_a_return_over_two_orders_gets_one_decision_per_order(book: RuleBook) -> None:
    lines = [line("O1", 1, paid_amount="100.00"), line("O2", 1, paid_amount="60.00", item_state="used"),
             line("O2", 2, paid_amount="40.00")]
    judged = decide_lines(lines, lambda f: decide_for(f, book))
    orders = {o.order_id: o for o in judged.orders}
    assert set(orders) == {"O1", "O2"}
    assert (orders["O1"].outcome, orders["O1"].refund_amount) == (Outcome.APPROVE, Decimal("100.00"))
    assert (orders["O2"].outcome, orders["O2"].refund_amount) == (Outcome.APPROVE, Decimal("40.00"))
    assert [li.decision.outcome for li in orders["O2"].lines] == [Outcome.DENY, Outcome.APPROVE]
    assert judged.decision.refund_amount == Decimal("140.00")
    as_dict = judged.as_dict()
    assert [o["order_id"] for o in as_dict["orders"]] == ["O1", "O2"]


def test_a_line_waiting_for_evidence_holds_the_case_but_keeps_each_lines_own_answer(book: RuleBook) -> None:
    lines = [line("O1", 1), line("O1", 2, problem="quality_defect", product_category="phone")]
    judged = decide_lines(lines, lambda f: decide_for(f, book))
    assert judged.decision.outcome == Outcome.NEEDS_EVIDENCE and judged.decision.refund_amount == 0
    assert [li.decision.outcome for li in judged.lines] == [Outcome.APPROVE, Outcome.NEEDS_EVIDENCE]
