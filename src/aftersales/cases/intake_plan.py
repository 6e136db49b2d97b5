"""The pure plan of one new case, computed from facts loaded for the whole batch: which order lines it names
and what they were paid, triage → tier, policy decision with reasons, route, SLA clocks, and every row to insert.

No database and no clock here: `intake.py` loads the facts, calls `plan_case` per request and inserts the rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from aftersales.calendars import BusinessCalendar
from aftersales.cases import intake_rows
from aftersales.cases.adjudication import Adjudication, LineInput, OrderFacts, adjudicate
from aftersales.cases.errors import DuplicateCase
from aftersales.cases.schemas import CaseCreate, CaseItemIn
from aftersales.catalog.models import Product
from aftersales.liability.routing import OrderParties
from aftersales.live.phrases import CheckableClaim
from aftersales.orders.allocation import paid_for
from aftersales.orders.models import Order, OrderItem
from aftersales.policy.price_rules import PricePoint
from aftersales.policy.service import RuleBook
from aftersales.problems import DomainError, InvalidInput
from aftersales.sla.rules import PolicyRow, pick_policy
from aftersales.sla.tiering import TierDecision, decide_tier
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.service import LOW_CONFIDENCE


class Claims(NamedTuple):
    """What the anchor said about one product in one live session."""

    promises: tuple[str, ...]
    checkable: tuple[CheckableClaim, ...]
    #: the longest price protection promised (价保30天 → 30), if any
    price_days: int | None = None


NO_CLAIMS = Claims((), ())


@dataclass(frozen=True)
class IntakeRequest:
    buyer_id: str
    payload: CaseCreate
    idempotency_key: str | None
    actor_role: str

    @property
    def fingerprint(self) -> str:
        """The request body's identity: a retry carries the same one, another request under the same key not."""
        body = self.payload.model_dump(mode="json", exclude_none=True)
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class ClaimedLine:
    """An order line the case names, with the units claimed and the part of its payment they carry."""

    item_id: int
    order_id: str
    line_no: int
    product_id: str
    batch_id: str | None
    quantity: int
    paid: Decimal
    unit_price: Decimal = Decimal(0)
    sku: str | None = None


@dataclass
class CasePlan:
    case: dict[str, Any]
    clocks: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    items: list[dict[str, Any]]
    tier: TierDecision
    judged: Adjudication
    #: an angry buyer or an L3 case the AI does not settle: the shell assigns the least-loaded senior agent
    needs_senior: bool = False
    lines: list[ClaimedLine] = field(default_factory=list)


def claimed_lines(request: IntakeRequest, orders: Mapping[str, Order],
                  lines: Mapping[str, Sequence[OrderItem]]) -> list[ClaimedLine] | DomainError:
    """The lines the case is about (default: the whole order), checked against what the buyer bought."""
    payload = request.payload
    order = orders.get(payload.order_id)
    if order is None or order.buyer_id != request.buyer_id:
        return InvalidInput("订单不存在或不属于该买家 / no such order for this buyer", field="order_id")
    asked: list[CaseItemIn | None] = list(payload.items) if payload.items else [None]
    claimed: list[ClaimedLine] = []
    for number, item in enumerate(asked):
        problem = _claim(item, number, order, orders, lines, claimed)
        if problem is not None:
            return problem
    requested = payload.requested_amount
    total = sum((line.paid for line in claimed), Decimal("0"))
    if requested is not None and requested > total:
        return InvalidInput(f"申请金额超过所涉商品实付 {total} / requested amount exceeds the {total} paid for "
                            "these items", field="requested_amount")
    return claimed


def _claim(item: CaseItemIn | None, number: int, order: Order, orders: Mapping[str, Order],
           lines: Mapping[str, Sequence[OrderItem]], claimed: list[ClaimedLine]) -> DomainError | None:
    if item is None:  # no items named: every line of the order, whole
        claimed.extend(_line(line, line.quantity) for line in lines.get(order.id, ()))
        return None
    field = f"items.{number}"
    other = orders.get(item.order_id or order.id)
    if other is None or other.buyer_id != order.buyer_id or other.shop_id != order.shop_id:
        return InvalidInput("只能合并同一买家在同一店铺的订单 / only orders of the same buyer and shop can be "
                            "claimed together", field=f"{field}.order_id")
    line = next((li for li in lines.get(other.id, ()) if li.line_no == item.line_no), None)
    if line is None:
        return InvalidInput(f"订单 {other.id} 没有第{item.line_no}行 / no line {item.line_no}", field=f"{field}.line_no")
    quantity = item.quantity or line.quantity
    if quantity > line.quantity:
        return InvalidInput(f"件数超过购买数量 {line.quantity} / more units than bought ({line.quantity})",
                            field=f"{field}.quantity")
    if any(c.item_id == line.id for c in claimed):
        return InvalidInput("同一商品行重复 / the same line twice", field=f"{field}.line_no")
    claimed.append(_line(line, quantity))
    return None


def _line(line: OrderItem, quantity: int) -> ClaimedLine:
    return ClaimedLine(item_id=line.id, order_id=line.order_id, line_no=line.line_no, product_id=line.product_id,
                       batch_id=line.batch_id, quantity=quantity,
                       paid=paid_for(line.paid_amount, line.quantity, quantity), unit_price=line.unit_price,
                       sku=line.sku)


def duplicate_of(request: IntakeRequest, claimed: Sequence[ClaimedLine],
                 open_cases: Mapping[int, Sequence[tuple[str, str]]]) -> DuplicateCase | None:
    """An open case of the same type on one of these lines: the buyer is pointed at it instead of a second one."""
    wanted = request.payload.case_type.value
    for line in claimed:
        for case_id, case_type in open_cases.get(line.item_id, ()):
            if case_type == wanted:
                return DuplicateCase(f"该商品已有处理中的售后工单 {case_id} / case {case_id} already covers this item",
                                     case_id=case_id, field="order_id")
    return None


def group_key(order: Order, claimed: Sequence[ClaimedLine]) -> str:
    """Where a group complaint gathers: the production batch, else the live session, else the product."""
    first = claimed[0]
    return first.batch_id or order.live_session_id or first.product_id


def order_facts(order: Order, claimed: Sequence[ClaimedLine], products: Mapping[str, Product],
                parties: OrderParties, claims: Mapping[tuple[str, str], Claims], *,
                orders: Mapping[str, Order] | None = None,
                prices: Mapping[str, Sequence[PricePoint]] | None = None) -> OrderFacts:
    """The facts of the order as the case sees them: the first claimed product decides category and routing;
    each claimed line keeps its own product, order, promises and price history for the item-level decision."""
    product = products[claimed[0].product_id]
    sold = [claims.get((order.live_session_id, line.product_id), NO_CLAIMS) for line in claimed
            if order.live_session_id]
    promises = tuple(dict.fromkeys(p for found in sold for p in found.promises))
    checkable = tuple(c for found in sold for c in found.checkable)
    lines = tuple(_line_input(line, (orders or {}).get(line.order_id, order), products[line.product_id], claims,
                              (prices or {}).get(line.product_id, ())) for line in claimed)
    return OrderFacts(category=product.category_code, tags=tuple(product.tags or ()),
                      amount=sum((line.paid for line in claimed), Decimal("0")), placed_at=order.placed_at,
                      delivered_at=order.delivered_at, shipping_insurance=order.shipping_insurance,
                      parties=replace(parties, brand_id=product.brand_id, supplier_id=product.supplier_id),
                      promises=promises, checkable_claims=checkable, lines=lines)


def _line_input(line: ClaimedLine, order: Order, product: Product, claims: Mapping[tuple[str, str], Claims],
                prices: Sequence[PricePoint]) -> LineInput:
    said = claims.get((order.live_session_id, line.product_id), NO_CLAIMS) if order.live_session_id else NO_CLAIMS
    # shipping is part of what a line was paid, not of its price: a price difference is measured on the goods
    goods = (order.amount - order.shipping_fee) / order.amount if order.amount > 0 else Decimal(1)
    return LineInput(order_id=line.order_id, line_no=line.line_no, item_id=line.item_id, product_id=line.product_id,
                     category=product.category_code, tags=tuple(product.tags or ()), quantity=line.quantity,
                     paid=line.paid, unit_price=line.unit_price, sku=line.sku, placed_at=order.placed_at,
                     delivered_at=order.delivered_at, shipping_insurance=order.shipping_insurance,
                     goods_share=max(Decimal(0), goods), promises=said.promises,
                     promised_price_days=said.price_days, anchor_id=order.anchor_id, prices=tuple(prices))


def join_group(order: Order, claimed: Sequence[ClaimedLine], category: str,
               open_groups: Mapping[tuple[str, str], str]) -> str | None:
    """The open group case a new case of this class belongs to: its batch's, session's, product's or anchor's."""
    subjects = [line.batch_id for line in claimed] + [order.live_session_id] + [line.product_id for line in claimed] \
        + [order.anchor_id]
    return next((open_groups[(s, category)] for s in subjects if s and (s, category) in open_groups), None)


@dataclass(frozen=True)
class Standing:
    """What intake knows of the buyer and the moment: the open group case to join, the dedicated channel."""

    group_id: str | None = None
    #: the buyer's historic return rate when flagged for the dedicated channel (专属通道), else None
    flagged_rate: float | None = None


def _grouped(tier: TierDecision, group_id: str | None) -> TierDecision:
    if group_id is None:
        return tier
    return replace(tier, tier="L3", priority=1, senior_required=True, reasons=(
        *tier.reasons, f"并入群体工单 {group_id}（应急小组处理）/ joins group case {group_id} (emergency team)"))


def plan_case(request: IntakeRequest, *, order: Order, claimed: list[ClaimedLine], facts: OrderFacts,
              assessment: TriageAssessment, standing: Standing, now: datetime, calendar: BusinessCalendar,
              similar_recent: int = 0,
              matrix: tuple[PolicyRow, ...], book: RuleBook | None) -> CasePlan:
    payload = request.payload
    tier = _grouped(decide_tier(
        case_type=payload.case_type.value, category=assessment.category, emotion=assessment.emotion,
        emotion_intensity=assessment.emotion_intensity, confidence=assessment.confidence,
        risk_flags=assessment.risk_flags, low_confidence=LOW_CONFIDENCE, similar_recent_cases=similar_recent),
        standing.group_id)
    # the decision never reads the buyer's flag: a flagged buyer is routed, never judged differently
    judged = adjudicate(order=facts, case_type=payload.case_type.value, text=payload.text, assessment=assessment,
                        item_state=payload.item_state, evidence=payload.evidence, now=now, tier=tier.tier, book=book)
    dedicated = standing.flagged_rate is not None
    case = intake_rows.case_row(buyer_id=request.buyer_id, order_id=order.id, group_key=group_key(order, claimed),
                                idempotency_key=request.idempotency_key, payload=payload, assessment=assessment,
                                tier=tier, judged=judged, assigned_agent_id=None, now=now,
                                claimed_amount=facts.amount,
                                fingerprint=request.fingerprint if request.idempotency_key else None,
                                group_id=standing.group_id, channel="dedicated" if dedicated else "standard")
    clocks = intake_rows.clock_rows(case, pick_policy(matrix, tier.tier, payload.case_type.value, tier.priority),
                                    now, calendar)
    timeline = intake_rows.timeline_rows(case, actor_role=request.actor_role, assessment=assessment, tier=tier,
                                         judged=judged, order_id=order.id)
    timeline += intake_rows.standing_rows(case, standing.group_id, standing.flagged_rate)
    items = [{"case_id": case["id"], "order_item_id": line.item_id, "order_id": line.order_id,
              "quantity": line.quantity, "paid_amount": line.paid} for line in claimed]
    return CasePlan(case=case, clocks=clocks, timeline=timeline, messages=intake_rows.message_rows(case),
                    items=items, tier=tier, judged=judged,
                    needs_senior=tier.senior_required and not judged.ai_settles, lines=claimed)
