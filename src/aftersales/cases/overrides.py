"""Agents' judgement over the machine's: overriding the policy decision and offering care packages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import handoffs
from aftersales.cases.models import Case, CompensationOffer, TimelineEvent
from aftersales.liability import service as liability_service
from aftersales.orders.models import Order
from aftersales.problems import Conflict, InvalidInput, NotFound
from aftersales.security.principals import Principal
from aftersales.vocabulary import Outcome, Remedy

OUTCOMES = tuple(o.value for o in Outcome)
REMEDIES = tuple(r.value for r in Remedy)
#: which offers move money the ledger must book (points and samples cost the giver, not the case)
LEDGER_KIND = {"cash": "compensation", "coupon": "compensation", "medical": "medical"}



def override_decision(session: Session, case: Case, principal: Principal, *, outcome: str, remedy: str | None,
                      refund_amount: Decimal | None, reason: str, now: datetime) -> Case:
    """Replace the policy's outcome; the machine's decision and the agent's reason both stay on record."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"结论须为 {OUTCOMES} / outcome must be one of {OUTCOMES}", field="outcome")
    if remedy is not None and remedy not in REMEDIES:
        raise InvalidInput(f"补救方式须为 {REMEDIES} / remedy must be one of {REMEDIES}", field="remedy")
    if refund_amount is not None and refund_amount > case.claimed_amount:
        raise InvalidInput(f"退款金额不能超过所涉商品实付 {case.claimed_amount} / a refund cannot exceed the "
                           f"{case.claimed_amount} paid for these items", field="refund_amount")
    previous = dict(case.decision or {})
    machine = previous.get("machine") or {k: v for k, v in previous.items() if k != "override"}
    changed = {**machine, "outcome": outcome, "remedy": remedy or machine.get("remedy", "none")}
    if refund_amount is not None:
        changed["refund_amount"] = f"{refund_amount:.2f}"
    changed["machine"] = machine
    changed["override"] = {"by": principal.actor_id, "role": principal.role.value, "reason": reason,
                           "at": now.isoformat(), "machine_outcome": machine.get("outcome")}
    case.decision = changed
    case.updated_at = now
    session.add(TimelineEvent(case_id=case.id, at=now, kind="policy_override", actor_role=principal.role.value,
                              actor_id=principal.actor_id, reason=reason, buyer_visible=True,
                              data={"from": machine.get("outcome"), "to": outcome, "remedy": changed["remedy"]}))
    return case


def offer(session: Session, case: Case, principal: Principal, *, kind: str, amount: Decimal,
          now: datetime) -> CompensationOffer:
    if kind not in ("coupon", "samples", "points", "cash", "medical"):
        raise InvalidInput("补偿类型须为 coupon/samples/points/cash/medical / unknown offer kind", field="kind")
    made = CompensationOffer(case_id=case.id, kind=kind, amount=amount, offered_at=now)
    session.add(made)
    session.flush()
    session.add(TimelineEvent(case_id=case.id, at=now, kind="offer", actor_role=principal.role.value,
                              actor_id=principal.actor_id, reason=f"提供补偿 / offered {kind} {amount}",
                              data={"offer_id": made.id, "kind": kind, "amount": f"{amount:.2f}"},
                              buyer_visible=True))
    return made


def respond(session: Session, case: Case, offer_id: int, *, accepted: bool, now: datetime) -> CompensationOffer:
    made = session.scalar(select(CompensationOffer).where(CompensationOffer.id == offer_id,
                                                          CompensationOffer.case_id == case.id))
    if made is None:
        raise NotFound(f"补偿 {offer_id} 不存在 / no offer {offer_id} on this case")
    if made.accepted is not None:
        raise Conflict("该补偿已答复 / this offer was already answered")
    made.accepted, made.responded_at = accepted, now
    order = session.get(Order, case.order_id)
    if accepted and made.kind in LEDGER_KIND and order is not None and made.amount > 0:
        liability_service.post_case_liability(session, handoffs.holder_of(case), order, LEDGER_KIND[made.kind], made.amount, now=now,
                                              reference=f"{case.id}:offer:{made.id}")
    session.add(TimelineEvent(case_id=case.id, at=now, kind="offer_answered", actor_role="buyer",
                              actor_id=case.buyer_id, reason="接受补偿 / accepted" if accepted else "谢绝补偿 / declined",
                              data={"offer_id": made.id, "accepted": accepted}, buyer_visible=True))
    return made
