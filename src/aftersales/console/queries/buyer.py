"""The buyer's own orders (with what the rules let them claim) and cases (with progress and ETA)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.calendars import BusinessCalendar
from aftersales.cases.adjudication import build_facts
from aftersales.cases.intake_context import load_order_facts
from aftersales.cases.models import Case
from aftersales.cases.progress import Progress, build_progress
from aftersales.catalog.models import Product
from aftersales.clock import as_utc
from aftersales.orders.models import Order
from aftersales.policy.rules import Decision
from aftersales.policy.service import decide_for
from aftersales.problems import DomainError
from aftersales.security.principals import Principal

ORDERS_PER_PAGE = 30
MILESTONES = ("created_at", "first_response_at", "return_requested_at", "return_shipped_at", "return_received_at",
              "refund_requested_at", "refunded_at", "exchanged_at", "human_response_at", "resolved_at", "closed_at")


@dataclass(frozen=True)
class Claimable:
    """What this order may still claim: the 7-day no-reason return as the rules judge it, and the anchor's
    promises that extend the policy."""

    no_reason: Decision | None
    promises: tuple[str, ...]
    days_since_delivery: int | None


@dataclass
class OrderRow:
    order: Order
    product_name: str
    claimable: Claimable
    case_ids: list[str] = field(default_factory=list)


def _claimable(facts: object, now: datetime) -> Claimable:
    try:
        probe = build_facts(facts, case_type="return_refund", category="no_reason_return",  # type: ignore[arg-type]
                            item_state="unopened", evidence=(), now=now, claim_mismatch=None)
        return Claimable(decide_for(probe), probe.promises, probe.days_since_delivery)
    except DomainError:  # an order older than the first rule set: nothing the rules can say
        return Claimable(None, (), None)


def orders_of(session: Session, principal: Principal, now: datetime, *, page: int = 0) -> list[OrderRow]:
    orders = list(session.scalars(select(Order).where(Order.buyer_id == (principal.buyer_id or ""))
                                  .order_by(Order.placed_at.desc(), Order.id.desc())
                                  .offset(page * ORDERS_PER_PAGE).limit(ORDERS_PER_PAGE)))
    if not orders:
        return []
    names = dict(session.execute(select(Product.id, Product.name)
                                 .where(Product.id.in_({o.product_id for o in orders}))).all())
    facts = load_order_facts(session, orders)
    rows = {o.id: OrderRow(o, names.get(o.product_id, o.product_id), _claimable(facts[o.id], now)) for o in orders}
    for order_id, case_id in session.execute(select(Case.order_id, Case.id).where(Case.order_id.in_(list(rows)))
                                             .order_by(Case.created_at)):
        rows[order_id].case_ids.append(case_id)
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
