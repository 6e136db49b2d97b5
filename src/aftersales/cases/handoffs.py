"""Passing a case to another party's queue and booking who bears its costs: `liability` keeps the handoffs and
the ledger; the case's own fields and timeline change here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from aftersales.cases import timeline
from aftersales.cases.errors import IllegalTransition
from aftersales.cases.lifecycle import State, allowed_actions, is_open
from aftersales.cases.models import Case
from aftersales.cases.visibility import get_visible
from aftersales.liability import service as liability_service
from aftersales.liability.models import Handoff, LedgerEntry
from aftersales.orders import service as order_service
from aftersales.problems import Conflict, Forbidden, InvalidInput
from aftersales.security.principals import Principal, Role

#: the largest payout a case can carry besides its refund: 假一赔十, ten times the price, is the largest multiple
#: Chinese consumer law and live-stream promises know
MAX_COMPENSATION_MULTIPLE = 10


def holder_of(case: Case) -> liability_service.CaseHolder:
    return liability_service.CaseHolder(case_id=case.id, problem_class=case.confirmed_category or case.category,
                                        party_id=case.responsible_party_id, party_kind=case.responsible_kind)


def reroute(session: Session, principal: Principal, case_id: str, *, to_party_id: str, reason: str,
            now: datetime) -> tuple[Handoff, int]:
    """Staff, or the party whose queue holds the case, may pass an open case to another party of its order."""
    if principal.role is Role.buyer:
        raise Forbidden("买家不能转交工单 / buyers cannot hand off cases")
    case = get_visible(session, principal, case_id)  # the version column guards a concurrent re-route
    if not (principal.is_staff or principal.speaks_for(case.responsible_party_id)):
        raise Forbidden("只能转交自己队列中的工单 / only a case in your own queue can be handed off")
    state = State(case.state)
    if not is_open(state):
        raise IllegalTransition(f"工单已{case.state}，不能再转交 / a {case.state} case cannot be handed off",
                                current_state=case.state,
                                allowed_actions=list(allowed_actions(state, principal.role)))
    order = order_service.get_order(session, _order_of(case))
    tied = liability_service.tied_party_ids(liability_service.order_parties(session, order), session)
    handoff = liability_service.hand_off(session, holder_of(case), to_party_id=to_party_id, tied=tied,
                                         reason=reason, actor_role=principal.role.value,
                                         actor_id=principal.actor_id, now=now)
    case.handoff_count = (case.handoff_count or 0) + 1
    case.responsible_party_id = to_party_id
    case.responsible_kind = handoff.to_kind
    case.updated_at = now
    timeline.record(session, case.id, "handoff", at=now, actor_role=principal.role.value,
                    actor_id=principal.actor_id, reason=reason, buyer_visible=True,
                    data={"from_party_id": handoff.from_party_id, "to_party_id": to_party_id,
                          "to_kind": handoff.to_kind, "handoff_count": case.handoff_count, "loop": handoff.loop})
    count = case.handoff_count
    return handoff, count


def post_liability(session: Session, principal: Principal, case_id: str, *, kind: str, amount: Decimal,
                   cause: str | None, medium: str | None, reference: str | None, now: datetime) -> LedgerEntry:
    """Book who bears a payment made on the case (governance only), within what the case can cost."""
    case = get_visible(session, principal, case_id)
    ceiling = case.claimed_amount if kind == "refund" else case.claimed_amount * MAX_COMPENSATION_MULTIPLE
    if amount > ceiling:
        raise InvalidInput(f"金额超过本工单上限 {ceiling} / the amount exceeds what this case can cost ({ceiling}: "
                           f"{'the items paid' if kind == 'refund' else '10× the items paid'})", field="amount")
    order = order_service.get_order(session, _order_of(case))
    entry = liability_service.post_case_liability(session, holder_of(case), order, kind, amount, cause, now=now,
                                                  medium=medium, reference=reference, actor_id=principal.actor_id)
    return entry


def _order_of(case: Case) -> str:
    """A group case (群体工单) names no order: it is worked through its member cases, not handed or charged."""
    if case.order_id is None:
        raise Conflict("群体工单不涉及单个订单，请在成员工单上操作 / a group case names no order: act on its member "
                       "cases", case_id=case.id)
    return case.order_id
