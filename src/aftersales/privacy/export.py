"""A buyer's data export (PIPL art. 45): everything held about them, as one JSON document.

Profile (in the clear), orders with their lines and parcels, and every case with its messages, the timeline the
buyer sees, evidence metadata (not the files: those are downloaded one by one), the decision and what was offered
or refunded, and the survey. Whoever asks, the export is audited.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.models import (
    Case,
    CaseEvidence,
    CaseItem,
    CaseMessage,
    CompensationOffer,
    TimelineEvent,
)
from aftersales.clock import as_utc
from aftersales.orders.models import Order, Shipment
from aftersales.orders.views import order_views
from aftersales.parties.models import Buyer, BuyerFlag
from aftersales.security import audit, pii
from aftersales.security.buyers import PROFILE_FIELDS, read_profile
from aftersales.security.principals import Principal
from aftersales.surveys.models import Survey

FORMAT = "aftersales.buyer-export/1"


def _at(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _profile(session: Session, buyer: Buyer, keys: pii.Keys) -> dict[str, Any]:
    profile = read_profile(buyer, keys)
    flag = session.get(BuyerFlag, buyer.id)
    return {"id": profile.id, "name": profile.name, "phone": profile.phone, "address": profile.address,
            "region": profile.region, "created_at": _at(profile.created_at), "erased_at": _at(profile.erased_at),
            # an automated assessment of the buyer: they are entitled to know it (PIPL art. 24)
            "dedicated_channel": None if flag is None else {
                "flagged": flag.flagged, "orders": flag.orders, "returns": flag.returns,
                "return_rate": flag.return_rate, "channel": flag.channel, "flagged_at": _at(flag.flagged_at)}}


def _orders(session: Session, buyer_id: str) -> list[dict[str, Any]]:
    orders = list(session.scalars(select(Order).where(Order.buyer_id == buyer_id).order_by(Order.placed_at,
                                                                                          Order.id)))
    parcels: dict[str, list[dict[str, Any]]] = {}
    for parcel in session.scalars(select(Shipment).where(Shipment.order_id.in_([o.id for o in orders]))
                                  .order_by(Shipment.created_at, Shipment.id)):
        parcels.setdefault(parcel.order_id, []).append(
            {"direction": parcel.direction, "carrier_id": parcel.carrier_id, "tracking_no": parcel.tracking_no,
             "status": parcel.status, "case_id": parcel.case_id, "created_at": _at(parcel.created_at)})
    return [{**view.model_dump(mode="json"), "shipments": parcels.get(view.id, [])}
            for view in order_views(session, orders)]


def _by_case(rows: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


def _cases(session: Session, buyer_id: str) -> list[dict[str, Any]]:
    cases = list(session.scalars(select(Case).where(Case.buyer_id == buyer_id).order_by(Case.created_at, Case.id)))
    ids = [case.id for case in cases]
    items = _by_case(session.scalars(select(CaseItem).where(CaseItem.case_id.in_(ids)).order_by(CaseItem.id)))
    messages = _by_case(session.scalars(select(CaseMessage).where(CaseMessage.case_id.in_(ids))
                                        .order_by(CaseMessage.created_at, CaseMessage.id)))
    events = _by_case(session.scalars(select(TimelineEvent).where(TimelineEvent.case_id.in_(ids),
                                                                  TimelineEvent.buyer_visible.is_(True))
                                      .order_by(TimelineEvent.at, TimelineEvent.id)))
    evidence = _by_case(session.scalars(select(CaseEvidence).where(CaseEvidence.case_id.in_(ids))
                                        .order_by(CaseEvidence.id)))
    offers = _by_case(session.scalars(select(CompensationOffer).where(CompensationOffer.case_id.in_(ids))
                                      .order_by(CompensationOffer.id)))
    surveys = {s.case_id: s for s in session.scalars(select(Survey).where(Survey.case_id.in_(ids)))}
    return [_case(case, items.get(case.id, []), messages.get(case.id, []), events.get(case.id, []),
                  evidence.get(case.id, []), offers.get(case.id, []), surveys.get(case.id)) for case in cases]


def _case(case: Case, items: list[CaseItem], messages: list[CaseMessage], events: list[TimelineEvent],
          evidence: list[CaseEvidence], offers: list[CompensationOffer], survey: Survey | None) -> dict[str, Any]:
    milestones = {name: _at(getattr(case, name)) for name in (
        "first_response_at", "human_response_at", "escalated_at", "return_requested_at", "return_shipped_at",
        "return_received_at", "refund_requested_at", "refunded_at", "exchanged_at", "resolved_at", "closed_at",
        "disputed_at", "arbitration_at", "decided_at", "reopened_at")}
    return {
        "id": case.id, "order_id": case.order_id, "case_type": case.case_type, "state": case.state,
        "tier": case.tier, "text": case.text, "attachments": list(case.attachments or []),
        "category": case.category, "emotion": case.emotion, "symptoms": list(case.symptoms or []),
        "answer": case.answer_zh, "answer_en": case.answer_en, "created_at": _at(case.created_at),
        "milestones": {name: value for name, value in milestones.items() if value},
        "items": [{"order_id": i.order_id, "order_item_id": i.order_item_id, "quantity": i.quantity,
                   "paid_amount": _money(i.paid_amount)} for i in items],
        "messages": [{"author_role": m.author_role, "body": m.body, "created_at": _at(m.created_at)}
                     for m in messages],
        "timeline": [{"at": _at(e.at), "kind": e.kind, "actor_role": e.actor_role, "action": e.action,
                      "from_state": e.from_state, "to_state": e.to_state, "reason": e.reason} for e in events],
        "evidence": [{"id": e.id, "kind": e.kind, "content_type": e.content_type, "size_bytes": e.size_bytes,
                      "filename": e.filename, "sha256": e.sha256, "uploaded_by_role": e.uploaded_by_role,
                      "uploaded_at": _at(e.uploaded_at)} for e in evidence],
        "decision": {"policy": dict(case.decision or {}), "refund_amount": _money(case.refund_amount),
                     "requested_amount": _money(case.requested_amount), "claimed_amount": _money(case.claimed_amount),
                     "responsible_kind": case.responsible_kind,
                     "offers": [{"kind": o.kind, "amount": _money(o.amount), "offered_at": _at(o.offered_at),
                                 "accepted": o.accepted, "responded_at": _at(o.responded_at)} for o in offers]},
        "survey": None if survey is None else {"sent_at": _at(survey.sent_at), "answered_at": _at(survey.answered_at),
                                               "csat": survey.csat, "nps": survey.nps, "comment": survey.comment},
    }


def export_buyer(session: Session, principal: Principal, buyer: Buyer, keys: pii.Keys, now: datetime,
                 access: audit.Access) -> dict[str, Any]:
    """The whole document; the audit row joins the caller's unit of work."""
    document = {"format": FORMAT, "generated_at": _at(now), "profile": _profile(session, buyer, keys),
                "orders": _orders(session, buyer.id), "cases": _cases(session, buyer.id)}
    audit.record(session, principal, action=audit.PII_EXPORT, subject_id=buyer.id, fields=PROFILE_FIELDS,
                 access=access, now=now)
    return document
