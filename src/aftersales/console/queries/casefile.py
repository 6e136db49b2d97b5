"""Everything the case page shows on one screen, read in one session: the case, its order and live session, the
anchor's claims, logistics, thread, notes, clocks, handoffs, offers and survey."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import evidence as evidence_service
from aftersales.cases import notes
from aftersales.cases import service as case_service
from aftersales.cases.lifecycle import State, allowed_actions
from aftersales.cases.models import Case, CaseEvidence, CaseMessage, CompensationOffer, TimelineEvent
from aftersales.cases.schemas import BuyerContact
from aftersales.cases.views import buyer_contact, case_items
from aftersales.catalog.models import Batch, Category, Product
from aftersales.console.queries.group import group_size
from aftersales.console.queries.names import parties_of_kind, party_names
from aftersales.liability import service as liability_service
from aftersales.liability.models import Handoff
from aftersales.live.models import LiveSession
from aftersales.orders import service as order_service
from aftersales.orders.models import LogisticsEvent, Order, OrderItem, Shipment
from aftersales.security import audit, pii
from aftersales.security.principals import Principal, Role
from aftersales.sla.models import SlaClock
from aftersales.surveys.models import Survey


@dataclass
class ShipmentView:
    shipment: Shipment
    events: list[LogisticsEvent]


@dataclass(frozen=True)
class LineView:
    """An order line as the case page shows it: what was bought, and whether (how many of) it is claimed."""

    line: OrderItem
    product: Product | None
    batch: Batch | None
    claimed_quantity: int | None


@dataclass
class CaseFile:
    case: Case
    order: Order | None
    product: Product | None
    category: Category | None
    batch: Batch | None
    live: LiveSession | None
    lines: list[LineView]
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
    evidence: list[CaseEvidence] = field(default_factory=list)
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


def _lines(session: Session, order: Order | None, case_id: str) -> list[LineView]:
    """Every line of the case's order, and the lines of other orders the case names (one return, several orders)."""
    claimed = {item.order_item_id: item.quantity for item in case_items(session, case_id)}
    order_ids = [order.id] if order else []
    order_ids += sorted({item.order_id for item in case_items(session, case_id)} - set(order_ids))
    lines = [line for found in order_service.items_of(session, order_ids).values() for line in found]
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({line.product_id for line in lines})))}
    batches = {b.id: b for b in session.scalars(select(Batch).where(
        Batch.id.in_({line.batch_id for line in lines if line.batch_id})))}
    return [LineView(line, products.get(line.product_id), batches.get(line.batch_id or ""), claimed.get(line.id))
            for line in lines]


def _order_parts(session: Session, order: Order | None, lines: list[LineView]) -> tuple[
        Product | None, Category | None, Batch | None, LiveSession | None]:
    """The product the case is mainly about (its first claimed line), its category and batch, the live session."""
    if order is None:
        return None, None, None, None
    first = next((v for v in lines if v.claimed_quantity), lines[0] if lines else None)
    product = first.product if first else None
    category = session.get(Category, product.category_code) if product else None
    live = session.get(LiveSession, order.live_session_id) if order.live_session_id else None
    return product, category, first.batch if first else None, live


#: the case pages' reads of the buyer's contact, as the audit log names them
CASE_PAGE = audit.Access(purpose=audit.CASE_HANDLING, route="console GET /agent/cases/{case_id}")


def load(session: Session, principal: Principal, case_id: str, *, pii_key: pii.Keys, now: datetime,
         access: audit.Access = CASE_PAGE) -> CaseFile:
    """The case file as `principal` may see it (404 otherwise); reading the buyer's contact is audited for staff,
    so the caller commits."""
    case = case_service.get_visible(session, principal, case_id)
    order = session.get(Order, case.order_id) if case.order_id else None
    lines = _lines(session, order, case.id)
    product, category, batch, live = _order_parts(session, order, lines)
    handoffs = liability_service.handoffs_of(session, case.id)
    messages = list(session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)
                                    .order_by(CaseMessage.created_at, CaseMessage.id)))
    parties = [*(m.author_id for m in messages), case.responsible_party_id, case.assigned_agent_id, *(h.to_party_id for h in handoffs),
               *(h.from_party_id for h in handoffs)]
    if order is not None:
        parties += [order.shop_id, order.brand_id, order.anchor_id]
    staff = principal.is_staff
    return CaseFile(
        case=case, order=order, product=product, category=category, batch=batch, live=live, lines=lines,
        names=party_names(session, parties), claims=case_service.claims_of(session, case),
        shipments=_shipments(session, order.id) if order else [],
        messages=messages,
        timeline=case_service.timeline(session, principal, case.id), clocks=case_service.clocks_of(session, case.id),
        handoffs=handoffs,
        offers=list(session.scalars(select(CompensationOffer).where(CompensationOffer.case_id == case.id)
                                    .order_by(CompensationOffer.id))),
        # a buyer whose personal data was erased leaves the case without one
        contact=buyer_contact(session, principal, case.buyer_id, pii_key, now, access) if case.buyer_id else None,
        survey=session.scalar(select(Survey).where(Survey.case_id == case.id)),
        allowed=list(allowed_actions(State(case.state), principal.role)),
        tags=notes.tags_of(session, case.id) if staff else [],
        evidence=evidence_service.list_evidence(session, principal, case.id),
        group_open=group_size(session, case.group_key) if staff else 0,
        platform_id=next(iter(p for p, _ in parties_of_kind(session, "platform")), None))


def canned_values(file: CaseFile, eta: str | None) -> dict[str, str]:
    """The variables a canned reply may use, from this case and its order."""
    case, order = file.case, file.order
    decided = (case.decision or {}).get("refund_amount")
    claimed_paid = sum((v.line.paid_amount for v in file.lines if v.claimed_quantity), Decimal("0"))
    if decided in (None, "", "0", "0.00"):  # a decision that names no amount: the order's is what would be refunded
        decided = None
    return {"buyer": file.contact.name if file.contact else "", "order_id": case.order_id or "",
            "product": file.product.name if file.product else "", "amount": f"{order.amount:.2f}" if order else "",
            "refund_amount": f"{case.refund_amount or decided or claimed_paid or (order.amount if order else '')}",
            "eta": eta or "", "anchor": file.name(order.anchor_id) if order and order.anchor_id else "",
            "shop": file.name(order.shop_id) if order else "", "case_id": case.id}


def is_staff_message(message: CaseMessage) -> bool:
    return message.author_role not in (Role.buyer.value, "ai")
