"""The buyer's view of a case: steps done, the current step and an ETA in plain words. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aftersales.calendars import BusinessCalendar
from aftersales.cases.lifecycle import State

#: (key, zh, en, the milestone attribute that marks it done)
_SUBMITTED = ("submitted", "申请已提交", "Request submitted", "created_at")
_ANSWERED = ("answered", "客服已响应", "Service has responded", "first_response_at")
_RETURN = ("awaiting_return", "请寄回商品", "Please send the item back", "return_requested_at")
_SENT = ("return_sent", "退货已寄出", "Return sent", "return_shipped_at")
_SHIPPED = ("return_in_transit", "退货已揽收", "Return collected by the carrier", "return_collected_at")
_RECEIVED = ("return_received", "商家已收货", "Seller received the return", "return_received_at")
_REVIEW = ("refund_pending", "退款审核中", "Refund under review", "refund_requested_at")
_REFUNDED = ("refunded", "退款已到账", "Refund paid", "refunded_at")
_EXCHANGED = ("exchanged", "换货已发出", "Replacement shipped", "exchanged_at")
_HANDLING = ("handling", "处理中", "Being handled", "human_response_at")
_RESOLVED = ("resolved", "已解决", "Resolved", "resolved_at")
_CLOSED = ("closed", "已完成", "Closed", "closed_at")

FLOWS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "refund_only": (_SUBMITTED, _ANSWERED, _REVIEW, _REFUNDED, _CLOSED),
    "return_refund": (_SUBMITTED, _ANSWERED, _RETURN, _SENT, _SHIPPED, _RECEIVED, _REVIEW, _REFUNDED, _CLOSED),
    "exchange": (_SUBMITTED, _ANSWERED, _RETURN, _SENT, _SHIPPED, _RECEIVED, _EXCHANGED, _CLOSED),
    "price_protection": (_SUBMITTED, _ANSWERED, _REVIEW, _REFUNDED, _CLOSED),
}
DEFAULT_FLOW = (_SUBMITTED, _ANSWERED, _HANDLING, _RESOLVED, _CLOSED)

#: working days the buyer is told to expect for what happens next
REFUND_WORKING_DAYS = 2
RETURN_TRANSIT_DAYS = 3
RETURN_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    label_en: str
    done: bool
    current: bool
    at: datetime | None


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]
    current_step: str
    eta: str | None
    eta_en: str | None
    eta_date: date | None


def build_progress(case_type: str, state: str, milestones: dict[str, datetime | None], now: datetime,
                   calendar: BusinessCalendar, human_due_at: datetime | None = None) -> Progress:
    flow = FLOWS.get(case_type, DEFAULT_FLOW)
    done_flags = [milestones.get(attr) is not None for *_, attr in flow]
    current_index = next((i for i, done in enumerate(done_flags) if not done), len(flow) - 1)
    if all(done_flags):
        current_index = len(flow) - 1
    steps = tuple(
        Step(key, zh, en, done_flags[i], i == current_index, milestones.get(attr))
        for i, (key, zh, en, attr) in enumerate(flow)
    )
    eta, eta_en, eta_date = _eta(State(state), now, calendar, human_due_at)
    return Progress(steps, flow[current_index][0], eta, eta_en, eta_date)


def _eta(state: State, now: datetime, calendar: BusinessCalendar,
         human_due_at: datetime | None) -> tuple[str | None, str | None, date | None]:
    if state is State.refund_pending:
        day = calendar.add_working_days(now, REFUND_WORKING_DAYS)
        return (f"预计{REFUND_WORKING_DAYS}个工作日退款到账（{day:%m月%d日}前）",
                f"Refund expected within {REFUND_WORKING_DAYS} working days (by {day:%Y-%m-%d})", day)
    if state is State.awaiting_return:
        return (f"请在{RETURN_WINDOW_DAYS}天内寄回商品，寄出后填写运单号",
                f"Please send the item back within {RETURN_WINDOW_DAYS} days and enter the tracking number", None)
    if state is State.return_in_transit:
        day = calendar.add_working_days(now, RETURN_TRANSIT_DAYS)
        return (f"退货运输中，预计{day:%m月%d日}前送达商家，收货后{REFUND_WORKING_DAYS}个工作日内处理",
                f"Return in transit, expected at the seller by {day:%Y-%m-%d}", day)
    if state is State.return_received:
        day = calendar.add_working_days(now, 1)
        return ("商家已收货，预计1个工作日内审核", "Seller received it; review within 1 working day", day)
    if state in (State.submitted, State.answered, State.escalated, State.reopened) and human_due_at:
        local = human_due_at.astimezone(calendar.zone)
        return (f"专员将在{local:%H:%M}前联系您", f"A specialist will contact you by {local:%H:%M}", local.date())
    if state is State.awaiting_buyer:
        return ("等待您补充信息（如照片、检测报告）", "Waiting for your information (photos, reports)", None)
    if state in (State.disputed, State.in_arbitration):
        day = calendar.add_working_days(now, 3)
        return (f"平台仲裁中，预计{day:%m月%d日}前给出结论", f"In arbitration, decision expected by {day:%Y-%m-%d}",
                day)
    return (None, None, None)
