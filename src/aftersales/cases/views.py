"""Shape a case for the caller: every role sees the same facts, PII only where the role needs it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.lifecycle import State, allowed_actions
from aftersales.cases.models import Case, CaseItem
from aftersales.cases.schemas import BuyerContact, CaseItemRead, CaseRead, ClockRead
from aftersales.cases.snapshots import CaseSnapshot, ClockSnapshot
from aftersales.clock import as_utc, format_shanghai
from aftersales.orders.models import OrderItem
from aftersales.parties.models import Buyer
from aftersales.security import audit, pii
from aftersales.security.principals import Principal, Role
from aftersales.sla.models import SlaClock


def clock_view(clock: SlaClock | ClockSnapshot) -> ClockRead:
    due = as_utc(clock.due_at) if clock.due_at else None
    return ClockRead(kind=clock.kind, tier=clock.tier, started_at=as_utc(clock.started_at), due_at=due,
                     due_at_local=format_shanghai(due), paused=clock.paused_at is not None,
                     paused_at=_utc(clock.paused_at), stopped_at=_utc(clock.stopped_at),
                     breached_at=_utc(clock.breached_at), business_hours=clock.business_hours,
                     consumed_seconds=clock.consumed_seconds or 0.0)


def _utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment else None


def case_view(case: Case | CaseSnapshot, principal: Principal, clocks: Sequence[SlaClock | ClockSnapshot] = (),
              buyer: BuyerContact | None = None, claims: list[dict[str, object]] | None = None,
              items: Sequence[CaseItemRead] = ()) -> CaseRead:
    staff_or_party = principal.role is not Role.buyer
    return CaseRead(
        id=case.id, order_id=case.order_id, items=list(items), claimed_amount=case.claimed_amount or 0,
        buyer_id=case.buyer_id, group_id=case.group_id, channel=case.channel or "standard",
        case_type=case.case_type, state=case.state,
        tier=case.tier, priority=case.priority, version=case.version, text=case.text,
        attachments=list(case.attachments or []), category=case.category,
        categories=dict(case.categories or {}), emotion=case.emotion, confidence=case.confidence,
        emotion_intensity=case.emotion_intensity or 0.0, secondary_category=case.secondary_category,
        risk_flags=list(case.risk_flags or []), symptoms=list(case.symptoms or []), answer=case.answer_zh,
        answer_en=case.answer_en, soothing_script=case.soothing_zh if staff_or_party else None,
        senior_required=case.senior_required, ai_resolved=case.ai_resolved, decision=dict(case.decision or {}),
        responsible_party_id=case.responsible_party_id, responsible_kind=case.responsible_kind,
        handoff_count=case.handoff_count, assigned_agent_id=case.assigned_agent_id, refund_amount=case.refund_amount, created_at=as_utc(case.created_at),
        created_at_local=format_shanghai(case.created_at) or "", updated_at=as_utc(case.updated_at),
        first_response_at=_utc(case.first_response_at), human_response_at=_utc(case.human_response_at),
        escalated_at=_utc(case.escalated_at), refunded_at=_utc(case.refunded_at), closed_at=_utc(case.closed_at),
        allowed_actions=list(allowed_actions(State(case.state), principal.role, group=case.order_id is None)),
        clocks=[clock_view(c) for c in clocks], buyer=buyer, claims=claims or [],
    )


#: shown where an erased buyer's name was (PIPL art. 47: the case stays, the person is gone from it)
ERASED_NAME = "已删除 / erased"
#: the API's case read; console pages name their own route
CASE_API = audit.Access(purpose=audit.CASE_HANDLING, route="GET /api/v1/cases/{case_id}")
CONTACT_FIELDS = ("name", "phone", "address")


def buyer_contact(session: Session, principal: Principal, buyer_id: str, key: pii.Keys, now: datetime,
                  access: audit.Access = CASE_API) -> BuyerContact | None:
    """The buyer sees their own details; staff see them in clear (each read audited); routed parties see them
    masked. The audit row joins the caller's unit of work."""
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        return None
    if buyer.erased_at is not None:
        return BuyerContact(buyer_id=buyer_id, name=ERASED_NAME, phone="", address="", masked=True)
    name, phone, address = (pii.decrypt(buyer.name_enc, key), pii.decrypt(buyer.phone_enc, key),
                            pii.decrypt(buyer.address_enc, key))
    own = principal.role is Role.buyer and principal.buyer_id == buyer_id
    if own or principal.is_staff:
        if not own:
            audit.record(session, principal, action=audit.PII_READ, subject_id=buyer_id, fields=CONTACT_FIELDS,
                         access=access, now=now)
        return BuyerContact(buyer_id=buyer_id, name=name, phone=phone, address=address, masked=False)
    return BuyerContact(buyer_id=buyer_id, name=pii.mask_name(name), phone=pii.mask_phone(phone),
                        address=pii.mask_address(address), masked=True)


def case_items(session: Session, case_id: str) -> list[CaseItemRead]:
    rows = session.execute(select(CaseItem, OrderItem.line_no, OrderItem.product_id)
                           .join(OrderItem, OrderItem.id == CaseItem.order_item_id)
                           .where(CaseItem.case_id == case_id).order_by(CaseItem.id))
    return [CaseItemRead(order_id=item.order_id, order_item_id=item.order_item_id, line_no=line_no,
                         product_id=product_id, quantity=item.quantity, paid_amount=item.paid_amount)
            for item, line_no, product_id in rows]
