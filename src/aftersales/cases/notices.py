"""What a case's events say to the outside (webhooks, group robots, e-mail, the buyer's text messages).

`cases` publishes them into the notification outbox in the same unit of work as the change itself, so a
notification goes out if and only if the change committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.ids import new_id
from aftersales.notifications import outbox
from aftersales.notifications.events import Event, EventType
from aftersales.orders.models import Order
from aftersales.parties.models import Party

#: the AI's answers that promise a text message (退货地址会短信发给您 …) are made good by sending one
SMS_PROMISE = "短信"


def _get(case: Case | Mapping[str, Any], name: str) -> Any:
    return case[name] if isinstance(case, Mapping) else getattr(case, name)


def _parties(case: Case | Mapping[str, Any], order: Order | None) -> tuple[str, ...]:
    found = [_get(case, "responsible_party_id")]
    if order is not None:
        found += [order.brand_id, order.shop_id, order.anchor_id]
    return tuple(dict.fromkeys(p for p in found if p))


def _event(kind: EventType, case: Case | Mapping[str, Any], now: datetime, zh: str, en: str,
           order: Order | None, **data: Any) -> Event:
    case_id = str(_get(case, "id"))
    return Event(id=new_id("EV"), type=kind, subject_type="case", subject_id=case_id, at=now.isoformat(),
                 summary_zh=f"工单 {case_id}：{zh}", summary_en=f"case {case_id}: {en}",
                 data={"case_id": case_id, "case_type": _get(case, "case_type"), "tier": _get(case, "tier"),
                       "state": _get(case, "state"), "category": _get(case, "category"),
                       "order_id": _get(case, "order_id"), **data},
                 party_ids=_parties(case, order))


def opened(session: Session, row: Mapping[str, Any], order: Order, now: datetime) -> list[Event]:
    """A new case; when the AI's answer promises a text message (a return address, a parcel update), it is sent."""
    answer = str(row.get("answer_zh") or "")
    event = _event(EventType.case_opened, row, now, f"新{row['tier']}工单（{row['category']}）",
                   f"new {row['tier']} case ({row['category']})", order, priority=row["priority"])
    if row["state"] == "awaiting_return":
        return [event, _return_address(session, str(row["id"]), row, order, now)]
    if SMS_PROMISE in answer and row.get("buyer_id"):
        return [Event(**{**event.__dict__, "buyer_id": row["buyer_id"],
                         "sms_zh": f"【售后】您的申请 {row['id']} 已受理：{answer}"})]
    return [event]


def escalated(case: Case | Mapping[str, Any], order: Order | None, now: datetime, *, from_tier: str, reason: str) -> Event:
    tier = _get(case, "tier")
    return _event(EventType.case_escalated, case, now, f"由{from_tier}升级至{tier}：{reason}",
                  f"escalated {from_tier} → {tier}: {reason}", order, from_tier=from_tier, reason=reason)


def breached(case: Case | Mapping[str, Any], order: Order | None, now: datetime, *, clock: str, due_at: str) -> Event:
    return _event(EventType.case_breached, case, now, f"{clock} 时限已过（应于 {due_at} 前）",
                  f"{clock} overdue (due {due_at})", order, clock=clock, due_at=due_at)


def resolved(case: Case, order: Order | None, now: datetime) -> Event:
    event = _event(EventType.case_resolved, case, now, f"已处理完毕（{case.state}）", f"settled ({case.state})", order)
    if case.buyer_id:
        return Event(**{**event.__dict__, "buyer_id": case.buyer_id,
                        "sms_zh": f"【售后】您的售后申请 {case.id} 已处理完毕，欢迎对本次服务评价。"})
    return event


def low_score(case: Case, order: Order | None, now: datetime, *, csat: int, nps: int, reason: str) -> Event:
    return _event(EventType.survey_low_score, case, now, f"{reason}，请24小时内回访",
                  f"low score (CSAT {csat}, NPS {nps}): callback within 24 h", order, csat=csat, nps=nps)


def return_address(session: Session, case: Case, order: Order | None, now: datetime) -> Event | None:
    """The return address by text message, as the answer promised, when the case starts waiting for the parcel."""
    if case.buyer_id is None or order is None:
        return None
    return _return_address(session, case.id, case, order, now)


def _return_address(session: Session, case_id: str, case: Case | Mapping[str, Any], order: Order,
                    now: datetime) -> Event:
    shop = session.get(Party, order.shop_id)
    address = str((shop.attributes or {}).get("return_address", "")) if shop else ""
    where = f"退货地址：{address}" if address else "退货地址请在订单页“退货”中查看"
    event = _event(EventType.return_requested, case, now, "请买家寄回商品", "the buyer is asked to send the item back",
                   order)
    return Event(**{**event.__dict__, "buyer_id": _get(case, "buyer_id"),
                    "sms_zh": f"【售后】工单 {case_id} 请在7天内寄回商品。{where}，寄出后请填写运单号。"})


def publish(session: Session, events: Sequence[Event | None], now: datetime,
            routes: Sequence[outbox.Route] | None = None) -> None:
    outbox.publish(session, [e for e in events if e is not None], now, routes)


def order_of(session: Session, case: Case) -> Order | None:
    return session.get(Order, case.order_id) if case.order_id else None
