"""Everything the case page shows on one screen, read in one session: the case, its order and live session, the
anchor's claims, logistics, thread, notes, clocks, handoffs, offers and survey."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import notes
from aftersales.cases import service as case_service
from aftersales.cases.lifecycle import State, allowed_actions
from aftersales.cases.models import Case, CaseMessage, CompensationOffer, TimelineEvent
from aftersales.cases.schemas import BuyerContact
from aftersales.cases.views import buyer_contact
from aftersales.catalog.models import Batch, Category, Product
from aftersales.console.queries.group import group_size
from aftersales.console.queries.names import parties_of_kind, party_names
from aftersales.liability import service as liability_service
from aftersales.liability.models import Handoff
from aftersales.live.models import LiveSession
from aftersales.orders.models import LogisticsEvent, Order, Shipment
from aftersales.security.principals import Principal, Role
from aftersales.sla.models import SlaClock
from aftersales.surveys.models import Survey


@dataclass
class ShipmentView:
    shipment: Shipment
    events: list[LogisticsEvent]


@dataclass
class CaseFile:
    case: Case
    order: Order | None
    product: Product | None
    category: Category | None
    batch: Batch | None
    live: LiveSession | None
    names: dict[str, str]
    claims: list[dict[str, Any]]
    shipments: list[ShipmentView]
    messages: list[CaseMessage]
    timeline: list[TimelineEvent]
    clocks: list[SlaClock]
    handoffs: list[Handoff]
    offers: list[CompensationOffer]
    contact: BuyerContact | None
    survey: Survey | None
    allowed: list[str]
    tags: list[str] = field(default_factory=list)
    group_open: int = 0
    platform_id: str | None = None

    def name(self, party_id: str | None) -> str:
        return self.names.get(party_id or "", party_id or "—")

    @property
    def notes(self) -> list[TimelineEvent]:
        return [e for e in self.timeline if e.kind == "note"]

    @property
    def running_clocks(self) -> list[SlaClock]:
        return [c for c in self.clocks if c.stopped_at is None]


def _shipments(session: Session, order_id: str) -> list[ShipmentView]:
    rows = list(session.scalars(select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.created_at)))
    numbers = [s.tracking_no for s in rows]
    events: dict[str, list[LogisticsEvent]] = {n: [] for n in numbers}
    if numbers:
        for event in session.scalars(select(LogisticsEvent).where(LogisticsEvent.tracking_no.in_(numbers))
                                     .order_by(LogisticsEvent.occurred_at)):
            events[event.tracking_no].append(event)
    return [ShipmentView(s, events[s.tracking_no]) for s in rows]


def _order_parts(session: Session, order: Order | None) -> tuple[Product | None, Category | None, Batch | None,
                                                                   LiveSession | None]:
    if order is None:
        return None, None, None, None
    product = session.get(Product, order.product_id)
    category = session.get(Category, product.category_code) if product else None
    batch = session.get(Batch, order.batch_id) if order.batch_id else None
    live = session.get(LiveSession, order.live_session_id) if order.live_session_id else None
    return product, category, batch, live


def load(session: Session, principal: Principal, case_id: str, *, pii_key: bytes, now: datetime) -> CaseFile:
    """The case file as `principal` may see it (404 otherwise); reading the buyer's contact is audited for staff,
    so the caller commits."""
    case = case_service.get_visible(session, principal, case_id)
    order = session.get(Order, case.order_id)
    product, category, batch, live = _order_parts(session, order)
    handoffs = liability_service.handoffs_of(session, case.id)
    messages = list(session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)
                                    .order_by(CaseMessage.created_at, CaseMessage.id)))
    parties = [*(m.author_id for m in messages), case.responsible_party_id, case.assigned_agent_id, *(h.to_party_id for h in handoffs),
               *(h.from_party_id for h in handoffs)]
    if order is not None:
        parties += [order.shop_id, order.brand_id, order.anchor_id]
    staff = principal.is_staff
    return CaseFile(
        case=case, order=order, product=product, category=category, batch=batch, live=live,
        names=party_names(session, parties), claims=case_service.claims_of(session, case),
        shipments=_shipments(session, case.order_id) if order else [],
        messages=messages,
        timeline=case_service.timeline(session, principal, case.id), clocks=case_service.clocks_of(session, case.id),
        handoffs=handoffs,
        offers=list(session.scalars(select(CompensationOffer).where(CompensationOffer.case_id == case.id)
                                    .order_by(CompensationOffer.id))),
        contact=buyer_contact(session, principal, case.buyer_id, pii_key, now),
        survey=session.scalar(select(Survey).where(Survey.case_id == case.id)),
        allowed=list(allowed_actions(State(case.state), principal.role)),
        tags=notes.tags_of(session, case.id) if staff else [],
        group_open=group_size(session, case.group_key) if staff else 0,
        platform_id=next(iter(p for p, _ in parties_of_kind(session, "platform")), None))


def canned_values(file: CaseFile, eta: str | None) -> dict[str, str]:
    """The variables a canned reply may use, from this case and its order."""
    case, order = file.case, file.order
    decided = (case.decision or {}).get("refund_amount")
    if decided in (None, "", "0", "0.00"):  # a decision that names no amount: the order's is what would be refunded
        decided = None
    return {"buyer": file.contact.name if file.contact else "", "order_id": case.order_id,
            "product": file.product.name if file.product else "", "amount": f"{order.amount:.2f}" if order else "",
            "refund_amount": f"{case.refund_amount or decided or (order.amount if order else '')}",
            "eta": eta or "", "anchor": file.name(order.anchor_id) if order and order.anchor_id else "",
            "shop": file.name(order.shop_id) if order else "", "case_id": case.id}


def is_staff_message(message: CaseMessage) -> bool:
    return message.author_role not in (Role.buyer.value, "ai")
