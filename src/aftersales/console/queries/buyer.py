"""The buyer's own orders (with what the rules let them claim) and cases (with progress and ETA)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.calendars import BusinessCalendar
from aftersales.cases.adjudication import OrderFacts, build_facts
from aftersales.cases.models import Case
from aftersales.cases.progress import Progress, build_progress
from aftersales.catalog.models import Product
from aftersales.clock import as_utc
from aftersales.liability import service as liability_service
from aftersales.liability.routing import OrderParties
from aftersales.live import service as live_service
from aftersales.orders import service as order_service
from aftersales.orders.models import Order, OrderItem
from aftersales.policy.rules import Decision
from aftersales.policy.service import decide_for
from aftersales.problems import DomainError
from aftersales.security.principals import Principal

ORDERS_PER_PAGE = 30
MILESTONES = ("created_at", "first_response_at", "return_requested_at", "return_shipped_at", "return_received_at",
              "refund_requested_at", "refunded_at", "exchanged_at", "human_response_at", "resolved_at", "closed_at")


@dataclass(frozen=True)
class Claimable:
    """What a line may still claim: the 7-day no-reason return as the rules judge it, and the anchor's promises
    that extend the policy."""

    no_reason: Decision | None
    promises: tuple[str, ...]
    days_since_delivery: int | None


@dataclass
class LineRow:
    line: OrderItem
    product_name: str
    claimable: Claimable


@dataclass
class OrderRow:
    order: Order
    lines: list[LineRow]
    case_ids: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.lines[0].product_name if self.lines else self.order.id

    @property
    def claimable(self) -> Claimable:
        """The order's summary: the first line's verdict (each line shows its own on the claim form)."""
        return self.lines[0].claimable if self.lines else Claimable(None, (), None)


def _claimable(order: Order, line: OrderItem, product: Product | None, parties: OrderParties,
               promises: tuple[str, ...], now: datetime) -> Claimable:
    if product is None:
        return Claimable(None, (), None)
    facts = OrderFacts(category=product.category_code, tags=tuple(product.tags or ()), amount=line.paid_amount,
                       placed_at=order.placed_at, delivered_at=order.delivered_at,
                       shipping_insurance=order.shipping_insurance, parties=parties, promises=promises)
    try:
        probe = build_facts(facts, case_type="return_refund", category="no_reason_return", item_state="unopened",
                            evidence=(), now=now, claim_mismatch=None)
        return Claimable(decide_for(probe), probe.promises, probe.days_since_delivery)
    except DomainError:  # an order older than the first rule set: nothing the rules can say
        return Claimable(None, (), None)


def _promises(session: Session, orders: list[Order], lines: dict[str, list[OrderItem]]) -> dict[
        tuple[str, str], tuple[str, ...]]:
    sold = {(o.live_session_id, line.product_id) for o in orders if o.live_session_id for line in lines[o.id]}
    return {(live, product): live_service.promise_ids_for(session, live_service.SoldItem(live, product))
            for live, product in sold}


def orders_of(session: Session, principal: Principal, now: datetime, *, page: int = 0,
              order_id: str | None = None) -> list[OrderRow]:
    query = select(Order).where(Order.buyer_id == (principal.buyer_id or ""))
    if order_id is not None:
        query = query.where(Order.id == order_id)
    orders = list(session.scalars(query.order_by(Order.placed_at.desc(), Order.id.desc())
                                  .offset(page * ORDERS_PER_PAGE).limit(ORDERS_PER_PAGE)))
    if not orders:
        return []
    lines = order_service.items_of(session, [o.id for o in orders])
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({line.product_id for found in lines.values() for line in found})))}
    parties = liability_service.parties_for_orders(session, orders)
    promises = _promises(session, orders, lines)
    rows = {o.id: OrderRow(o, [LineRow(line, products[line.product_id].name if line.product_id in products
                                       else line.product_id,
                                       _claimable(o, line, products.get(line.product_id), parties[o.id],
                                                  promises.get((o.live_session_id or "", line.product_id), ()), now))
                               for line in lines[o.id]]) for o in orders}
    for found_order, case_id in session.execute(select(Case.order_id, Case.id).where(Case.order_id.in_(list(rows)))
                                                .order_by(Case.created_at)):
        if found_order is not None:
            rows[found_order].case_ids.append(case_id)
    return list(rows.values())


def order_of(session: Session, principal: Principal, order_id: str) -> Order | None:
    order = session.get(Order, order_id)
    return order if order is not None and order.buyer_id == principal.buyer_id else None


def progress_of(case: Case, now: datetime, calendar: BusinessCalendar, human_due: datetime | None) -> Progress:
    milestones = {name: as_utc(getattr(case, name)) if getattr(case, name) else None for name in MILESTONES}
    return build_progress(case.case_type, case.state, milestones, now, calendar, human_due)


def cases_of(session: Session, principal: Principal, limit: int = 50) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.buyer_id == (principal.buyer_id or ""))
                                .order_by(Case.closed_at.is_not(None), Case.created_at.desc()).limit(limit)))


def count_orders(session: Session, principal: Principal) -> int:
    return int(session.scalar(select(func.count()).where(Order.buyer_id == (principal.buyer_id or ""))) or 0)
