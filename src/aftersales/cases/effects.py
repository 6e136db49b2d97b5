"""What each action does besides moving the state: milestones, messages, shipments, amounts, surveys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from aftersales.calendars import BusinessCalendar
from aftersales.cases import escalation, handoffs, timeline
from aftersales.cases.lifecycle import Action
from aftersales.cases.models import Case, CaseMessage
from aftersales.cases.reply_quality import review_reply
from aftersales.cases.schemas import ActionRequest
from aftersales.liability import service as liability_service
from aftersales.orders import service as order_service
from aftersales.orders.models import Order
from aftersales.problems import InvalidInput
from aftersales.security.principals import Principal, Role
from aftersales.sla import service as sla_service
from aftersales.sla.rules import NEXT_TIER, Tier
from aftersales.surveys import service as survey_service

Effect = Callable[[Session, Case, ActionRequest, Principal, datetime, BusinessCalendar], None]


def _require(value: object, field: str, zh: str, en: str) -> None:
    if value in (None, ""):
        raise InvalidInput(f"{zh} / {en}", field=field)


def _message(session: Session, case: Case, principal: Principal, body: str, now: datetime) -> None:
    review = review_reply(body) if principal.role is not Role.buyer else None
    session.add(CaseMessage(case_id=case.id, author_role=principal.role.value, author_id=principal.actor_id,
                            body=body, created_at=now, sentiment=review.sentiment if review else None,
                            quality_checked=review is not None, quality_flags=list(review.flags) if review else []))


def _reply(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
           calendar: BusinessCalendar) -> None:
    _require(request.message, "message", "回复内容不能为空", "a reply needs a message")
    _message(session, case, principal, request.message or "", now)


def _request_return(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
                    calendar: BusinessCalendar) -> None:
    case.return_requested_at = now


def _record_return_shipment(session: Session, case: Case, request: ActionRequest, principal: Principal,
                            now: datetime, calendar: BusinessCalendar) -> None:
    _require(request.tracking_no, "tracking_no", "请填写退货运单号", "the return tracking number is required")
    _require(request.carrier_code, "carrier_code", "请填写快递公司", "the carrier code is required")
    assert case.order_id is not None  # the lifecycle keeps returns off group cases
    order_service.register_return_shipment(session, order_id=case.order_id, case_id=case.id,
                                           tracking_no=request.tracking_no or "",
                                           carrier_code=request.carrier_code or "", now=now)
    case.return_shipped_at = now


def _return_collected(session: Session, case: Case, request: ActionRequest, principal: Principal,
                      now: datetime, calendar: BusinessCalendar) -> None:
    if case.return_collected_at is None:
        case.return_collected_at = now


def _confirm_receipt(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
                     calendar: BusinessCalendar) -> None:
    case.return_received_at = now


def _refund(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
            calendar: BusinessCalendar) -> None:
    amount = request.amount if request.amount is not None else default_refund(case)
    if amount is None:
        raise InvalidInput("规则结论未给出退款金额，请填写 / the decision names no refund amount: give one",
                           field="amount")
    if amount > case.claimed_amount:
        raise InvalidInput(f"退款金额不能超过所涉商品实付 {case.claimed_amount} / a refund cannot exceed the "
                           f"{case.claimed_amount} paid for the items of this case", field="amount")
    case.refund_amount = amount
    case.refund_requested_at = now


def default_refund(case: Case) -> Decimal | None:
    """The decision's refund (an agent's override included), else what the buyer asked for; never a silent 0."""
    decided = (case.decision or {}).get("refund_amount")
    if decided is not None and Decimal(str(decided)) > 0:
        return Decimal(str(decided))
    return case.requested_amount


def _confirm_refund(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
                    calendar: BusinessCalendar) -> None:
    case.refunded_at = now
    order = session.get(Order, case.order_id)
    if order is not None and case.refund_amount:
        # who bears the money is booked the moment it is paid; the reference keeps a retry from booking twice
        liability_service.post_case_liability(session, handoffs.holder_of(case), order, "refund", case.refund_amount, now=now,
                                              reference=f"{case.id}:refund:{case.version}")


def _exchange(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
              calendar: BusinessCalendar) -> None:
    case.exchanged_at = now


def _resolve(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
             calendar: BusinessCalendar) -> None:
    case.resolved_at = now


def _escalate(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
              calendar: BusinessCalendar) -> None:
    _require(request.reason, "reason", "升级需说明原因", "escalating needs a reason")
    target = NEXT_TIER[Tier(case.tier)].value
    escalation.escalate_case(session, case, target, now, calendar, reason=request.reason or "",
                             actor_role=principal.role.value, actor_id=principal.actor_id)


def _close(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
           calendar: BusinessCalendar) -> None:
    case.closed_at = now
    if case.resolved_at is None:
        case.resolved_at = now
    if case.buyer_id is not None and survey_service.send_survey(
            session, case_id=case.id, buyer_id=case.buyer_id, agent_id=case.assigned_agent_id, now=now) is not None:
        timeline.record(session, case.id, "survey_sent", at=now, actor_role="system", buyer_visible=True,
                        reason="已邀请您评价本次服务 / you are invited to rate the service")


def _reopen(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
            calendar: BusinessCalendar) -> None:
    _require(request.reason, "reason", "重新打开需说明原因", "reopening needs a reason")
    case.reopened_at = now
    case.closed_at = None
    sla_service.restart_resolution_clock(session, case_id=case.id, tier=case.tier, case_type=case.case_type,
                                         priority=case.priority, now=now, calendar=calendar)


def _dispute(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
             calendar: BusinessCalendar) -> None:
    _require(request.reason, "reason", "申诉需说明原因", "a dispute needs a reason")
    case.disputed_at = now


def _arbitrate(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
               calendar: BusinessCalendar) -> None:
    case.arbitration_at = now


def _decide(session: Session, case: Case, request: ActionRequest, principal: Principal, now: datetime,
            calendar: BusinessCalendar) -> None:
    _require(request.outcome, "outcome", "请给出仲裁结论", "an arbitration decision needs an outcome")
    case.decided_at = now
    case.decision = {**(case.decision or {}), "arbitration": {"outcome": request.outcome,
                                                               "reason": request.reason or ""}}


EFFECTS: dict[Action, Effect] = {
    Action.reply: _reply, Action.request_info: _reply, Action.request_return: _request_return,
    Action.record_return_shipment: _record_return_shipment, Action.confirm_receipt: _confirm_receipt,
    Action.refund: _refund, Action.confirm_refund: _confirm_refund, Action.exchange: _exchange,
    Action.resolve: _resolve, Action.escalate: _escalate, Action.close: _close, Action.reopen: _reopen,
    Action.dispute: _dispute, Action.arbitrate: _arbitrate, Action.decide: _decide,
    Action.return_collected: _return_collected,
}


def apply(session: Session, case: Case, action: Action, request: ActionRequest, principal: Principal,
          now: datetime, calendar: BusinessCalendar) -> None:
    EFFECTS[action](session, case, request, principal, now, calendar)
    if principal.role not in (Role.buyer, Role.carrier) and action is not Action.escalate:
        if case.human_response_at is None:
            case.human_response_at = now
        if request.confirmed_category:
            case.confirmed_category = request.confirmed_category
    if request.message and action is not Action.reply and action is not Action.request_info:
        _message(session, case, principal, request.message, now)
