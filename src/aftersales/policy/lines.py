"""Item-level decisions, pure: each order line the case names is judged on its own facts (its product, what it
was paid, the rules in force when its order was placed), then the lines are gathered into one decision per
order and one for the case as a whole.

A line's refund never exceeds what was paid for it (`paid_amount` already carries its share of the order's
discount and shipping, `orders.allocation`), so no order's or case's refund exceeds what was paid for its lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from aftersales.policy.facts import Facts
from aftersales.policy.rules import Decision, Reason
from aftersales.policy.vocabulary import Outcome, Remedy

#: what a case as a whole waits for first: the buyer's evidence, then a person, then the approved remedy
CASE_PRECEDENCE = (Outcome.NEEDS_EVIDENCE, Outcome.NEEDS_HUMAN, Outcome.APPROVE, Outcome.DENY)
#: among approved lines, the remedy that sets the case's course: a return is needed if any line goes back
REMEDY_PRECEDENCE = (Remedy.RETURN_REFUND, Remedy.REFUND, Remedy.EXCHANGE, Remedy.REPAIR, Remedy.NONE)
SENDS_BACK = frozenset({Remedy.RETURN_REFUND, Remedy.EXCHANGE, Remedy.REPAIR})

Decide = Callable[[Facts], Decision]


@dataclass(frozen=True)
class LineFacts:
    """One order line of the case (or the part of its units claimed) and the facts it is judged on."""

    order_id: str
    line_no: int
    item_id: int | None
    product_id: str
    quantity: int
    facts: Facts


@dataclass(frozen=True)
class LineDecision:
    line: LineFacts
    decision: Decision

    def as_dict(self) -> dict[str, Any]:
        d, line = self.decision, self.line
        return {"order_id": line.order_id, "line_no": line.line_no, "order_item_id": line.item_id,
                "product_id": line.product_id, "quantity": line.quantity,
                "paid_amount": f"{line.facts.paid_amount:.2f}", "outcome": d.outcome.value, "remedy": d.remedy.value,
                "refund_amount": f"{d.refund_amount:.2f}", "compensation_amount": f"{d.compensation_amount:.2f}",
                "returned": d.outcome == Outcome.APPROVE and d.remedy in SENDS_BACK,
                "exchanged": d.outcome == Outcome.APPROVE and d.remedy == Remedy.EXCHANGE,
                "rule_id": d.reasons[0].rule_id if d.reasons else "", "rules_version": d.rules_version,
                "reason_zh": d.reasons[0].zh if d.reasons else "", "reason_en": d.reasons[0].en if d.reasons else ""}


@dataclass(frozen=True)
class OrderDecision:
    order_id: str
    outcome: Outcome
    refund_amount: Decimal
    compensation_amount: Decimal
    paid_amount: Decimal
    lines: tuple[LineDecision, ...]

    def as_dict(self) -> dict[str, Any]:
        versions = sorted({line.decision.rules_version for line in self.lines})
        return {"order_id": self.order_id, "outcome": self.outcome.value,
                "refund_amount": f"{self.refund_amount:.2f}",
                "compensation_amount": f"{self.compensation_amount:.2f}",
                "paid_amount": f"{self.paid_amount:.2f}", "rules_version": ",".join(versions),
                "lines": [line.as_dict() for line in self.lines]}


@dataclass(frozen=True)
class CaseDecision:
    """The case's decision (the shape a single-line decision always had) and one decision per order."""

    decision: Decision
    orders: tuple[OrderDecision, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.decision.as_dict(), "orders": [order.as_dict() for order in self.orders]}

    @property
    def lines(self) -> tuple[LineDecision, ...]:
        return tuple(line for order in self.orders for line in order.lines)


def decide_lines(lines: Sequence[LineFacts], decide: Decide) -> CaseDecision:
    """Judge each line, then gather: one decision per order, one for the case."""
    if not lines:
        raise ValueError("a case names at least one line")
    memo: dict[Facts, Decision] = {}
    judged = [LineDecision(line, memo[line.facts] if line.facts in memo
                           else memo.setdefault(line.facts, decide(line.facts))) for line in lines]
    orders: dict[str, list[LineDecision]] = {}
    for line in judged:
        orders.setdefault(line.line.order_id, []).append(line)
    return CaseDecision(_whole(judged), tuple(_order(order_id, found) for order_id, found in orders.items()))


def combined_outcome(outcomes: Sequence[Outcome]) -> Outcome:
    return next(o for o in CASE_PRECEDENCE if o in outcomes)


def _approved_sum(lines: Sequence[LineDecision], name: str) -> Decimal:
    return sum((getattr(line.decision, name) for line in lines if line.decision.outcome == Outcome.APPROVE),
               Decimal(0))


def _order(order_id: str, lines: list[LineDecision]) -> OrderDecision:
    outcome = combined_outcome([line.decision.outcome for line in lines])
    return OrderDecision(order_id, outcome, _approved_sum(lines, "refund_amount"),
                         _approved_sum(lines, "compensation_amount"),
                         sum((line.line.facts.paid_amount for line in lines), Decimal(0)), tuple(lines))


def _whole(lines: list[LineDecision]) -> Decision:
    if len(lines) == 1:
        return lines[0].decision
    outcome = combined_outcome([line.decision.outcome for line in lines])
    deciding = [line for line in lines if line.decision.outcome == outcome]
    if outcome == Outcome.APPROVE:
        remedy = next(r for r in REMEDY_PRECEDENCE if any(line.decision.remedy == r for line in deciding))
        deciding = [line for line in deciding if line.decision.remedy == remedy]
    first = deciding[0].decision
    approved = outcome == Outcome.APPROVE
    return replace(first, refund_amount=_approved_sum(lines, "refund_amount") if approved else Decimal(0),
                   compensation_amount=_approved_sum(lines, "compensation_amount") if approved else Decimal(0),
                   reasons=(*first.reasons, _summary(lines)))


def _summary(lines: list[LineDecision]) -> Reason:
    zh = "；".join(f"订单{line.line.order_id}第{line.line.line_no}行：{_ZH[line.decision.outcome]}"
                  f"{_amount_zh(line.decision)}" for line in lines)
    en = "; ".join(f"order {line.line.order_id} line {line.line.line_no}: {line.decision.outcome.value}"
                   f"{_amount_en(line.decision)}" for line in lines)
    return Reason("case.lines", f"lines={len(lines)}", f"本次申请涉及{len(lines)}个商品行，逐行判定：{zh}。",
                  f"This request covers {len(lines)} order lines, each judged on its own: {en}.")


_ZH = {Outcome.APPROVE: "同意", Outcome.DENY: "不支持", Outcome.NEEDS_EVIDENCE: "待补充凭证",
       Outcome.NEEDS_HUMAN: "转人工"}


def _amount_zh(decision: Decision) -> str:
    return f"，退款{decision.refund_amount:.2f}元" if decision.refund_amount > 0 else ""


def _amount_en(decision: Decision) -> str:
    return f", refund {decision.refund_amount:.2f}" if decision.refund_amount > 0 else ""
