"""The pre-sale monitor: orders due within three days and not shipped are assessed; those at risk are warned
and the buyer is told (延期收货提醒) by text. Later scans record whether each warning came true."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from aftersales.clock import as_utc, format_shanghai, to_shanghai
from aftersales.db import unit_of_work
from aftersales.notifications import outbox
from aftersales.notifications.events import Event, EventType
from aftersales.orders.models import LogisticsEvent, Order, Shipment
from aftersales.problems import Forbidden
from aftersales.risk import presale_rules as rules
from aftersales.risk.models import PresaleWarning
from aftersales.security.principals import CASE_WORKERS, Principal, Role


@dataclass
class PresaleReport:
    assessed: int = 0
    warned: int = 0
    settled: int = 0


def _due_soon(session: Session, now: datetime) -> list[Order]:
    warned = select(PresaleWarning.order_id)
    return list(session.scalars(select(Order).where(
        Order.presale.is_(True), or_(Order.shipped_at.is_(None), Order.shipped_at > now), Order.promised_ship_by > now,
        Order.promised_ship_by <= now + timedelta(days=rules.WARN_DAYS_AHEAD), Order.id.not_in(warned))))


def _day(moment: datetime) -> str:
    return to_shanghai(moment).date().isoformat()


def _paces(session: Session, orders: list[Order], now: datetime) -> dict[tuple[str, str], rules.Pace]:
    """Per (shop, deadline day): how many of its pre-sale orders due that day have shipped, and all shops'."""
    days = {_day(o.promised_ship_by) for o in orders if o.promised_ship_by}
    lo = now - timedelta(days=1)
    hi = now + timedelta(days=rules.WARN_DAYS_AHEAD + 1)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for shop, due, sent in session.execute(select(Order.shop_id, Order.promised_ship_by, Order.shipped_at).where(
            Order.presale.is_(True), Order.promised_ship_by >= lo, Order.promised_ship_by <= hi)):
        day = _day(due) if due else ""
        if day not in days:
            continue
        done = sent is not None and as_utc(sent) <= now
        for key in ((shop, day), ("*", day)):
            totals[key][0] += 1
            totals[key][1] += int(done)
    paces = {}
    for (shop, day), (count, shipped) in totals.items():
        if shop != "*":
            platform = totals[("*", day)]
            paces[(shop, day)] = rules.Pace(count, shipped, platform[1] / platform[0] if platform[0] else 0.0)
    return paces


def _histories(session: Session, shops: set[str], now: datetime) -> dict[str, rules.History]:
    found: dict[str, rules.History] = {}
    rows = session.execute(select(Order.shop_id, Order.promised_ship_by, Order.shipped_at).where(
        Order.presale.is_(True), Order.shop_id.in_(shops), Order.promised_ship_by < now))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for shop, due, sent in rows:
        counts[shop][0] += 1
        counts[shop][1] += int(due is not None and (sent is None or as_utc(sent) > as_utc(due)))
    for shop in shops:
        orders, late = counts.get(shop, [0, 0])
        found[shop] = rules.History(orders, late)
    return found


def _exceptions(session: Session, order_ids: list[str]) -> set[str]:
    if not order_ids:
        return set()
    rows = session.execute(select(Shipment.order_id).join(LogisticsEvent, LogisticsEvent.tracking_no ==
                                                          Shipment.tracking_no)
                           .where(Shipment.order_id.in_(order_ids), Shipment.direction == "outbound",
                                  LogisticsEvent.status == "exception"))
    return {order_id for (order_id,) in rows}


def assess_due(session: Session, now: datetime) -> tuple[list[tuple[Order, rules.Risk, dict[str, Any]]], int]:
    orders = _due_soon(session, now)
    paces = _paces(session, orders, now)
    histories = _histories(session, {o.shop_id for o in orders}, now)
    troubled = _exceptions(session, [o.id for o in orders])
    found = []
    for order in orders:
        assert order.promised_ship_by is not None
        pace = paces.get((order.shop_id, _day(order.promised_ship_by)), rules.Pace(0, 0, 0.0))
        risk = rules.assess(pace, histories[order.shop_id], carrier_exception=order.id in troubled)
        evidence = {"wave_orders": pace.orders, "wave_shipped": pace.shipped,
                    "platform_share": round(pace.platform_share, 4), "history_orders": histories[order.shop_id].orders,
                    "history_late": histories[order.shop_id].late, "carrier_exception": order.id in troubled}
        found.append((order, risk, evidence))
    return found, len(orders)


def warn(session: Session, order: Order, risk: rules.Risk, evidence: dict[str, Any], now: datetime) -> None:
    assert order.promised_ship_by is not None
    session.add(PresaleWarning(order_id=order.id, shop_id=order.shop_id, promised_ship_by=order.promised_ship_by,
                               risk=risk.probability, reasons=list(risk.reasons), evidence=evidence, warned_at=now))
    due = format_shanghai(order.promised_ship_by)
    outbox.publish(session, [Event(
        id=f"EV-presale-{order.id}", type=EventType.presale_delay, subject_type="order", subject_id=order.id,
        at=now.isoformat(), summary_zh=f"预售订单 {order.id} 可能晚于 {due} 发货（风险{risk.probability:.0%}）",
        summary_en=f"pre-sale order {order.id} may ship after {due} (risk {risk.probability:.0%})",
        data={"order_id": order.id, "shop_id": order.shop_id, "risk": risk.probability,
              "reasons": list(risk.reasons), "promised_ship_by": as_utc(order.promised_ship_by).isoformat()},
        party_ids=tuple(p for p in (order.shop_id, order.brand_id, order.anchor_id) if p), buyer_id=order.buyer_id,
        sms_zh=f"【延期收货提醒】您的预售订单 {order.id} 可能晚于承诺的 {due} 发货，我们正在催促商家，"
               "如需取消可在订单页申请退款。")], now)


def settle(session: Session, now: datetime) -> int:
    """Warnings whose order shipped, or whose date passed unshipped: did they come true?"""
    settled = 0
    rows = session.execute(select(PresaleWarning, Order.shipped_at).join(Order, Order.id == PresaleWarning.order_id)
                           .where(PresaleWarning.late.is_(None)))
    for warning, shipped in rows:
        due = as_utc(warning.promised_ship_by)
        if shipped is not None:
            warning.shipped_at, warning.late = shipped, as_utc(shipped) > due
        elif now > due:
            warning.late = True
        else:
            continue
        settled += 1
    return settled


def scan(factory: sessionmaker[Session], now: datetime) -> PresaleReport:
    report = PresaleReport()
    with unit_of_work(factory) as session:
        found, report.assessed = assess_due(session, now)
        for order, risk, evidence in found:
            if risk.warn:
                warn(session, order, risk, evidence, now)
                report.warned += 1
        report.settled = settle(session, now)
    return report


def visible(session: Session, principal: Principal, limit: int) -> list[PresaleWarning]:
    query = select(PresaleWarning).order_by(PresaleWarning.warned_at.desc()).limit(limit)
    if principal.role in CASE_WORKERS:
        return list(session.scalars(query))
    if principal.role is Role.buyer:
        return list(session.scalars(query.join(Order, Order.id == PresaleWarning.order_id)
                                    .where(Order.buyer_id == (principal.buyer_id or ""))))
    if principal.role is Role.brand:
        return list(session.scalars(query.join(Order, Order.id == PresaleWarning.order_id)
                                    .where(Order.brand_id.in_(sorted(principal.party_ids) or [""]))))
    raise Forbidden("无权查看预售预警 / role may not see pre-sale warnings", role=principal.role.value)


def precision(session: Session) -> dict[str, Any]:
    """Of the warnings whose outcome is known, how many came true; and how many late orders were warned."""
    settled = session.execute(select(PresaleWarning.late, func.count()).where(PresaleWarning.late.is_not(None))
                              .group_by(PresaleWarning.late)).all()
    counts = {bool(late): int(n) for late, n in settled}
    true, false = counts.get(True, 0), counts.get(False, 0)
    return {"warned": true + false, "came_true": true, "precision": round(true / (true + false), 4)
            if true + false else None}
