"""Orders in (one or many, idempotent by order id) and carriers' logistics events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aftersales.catalog.models import Batch, Product
from aftersales.clock import as_utc
from aftersales.ids import new_id
from aftersales.live.models import LiveSession
from aftersales.orders.models import LogisticsEvent, Order, Shipment
from aftersales.orders.schemas import LogisticsEventIn, OrderIn
from aftersales.parties.models import Buyer, Party
from aftersales.problems import InvalidInput, NotFound
from aftersales.security import pii

#: fields an integrator may correct by sending the order again (milestones that arrive later)
UPDATABLE = ("paid_at", "shipped_at", "delivered_at", "shipping_insurance", "promised_ship_by")


@dataclass
class UpsertReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def validation_errors(error: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in error.errors()]


def upsert_orders(session: Session, rows: Sequence[dict[str, Any] | OrderIn], key: bytes, now: datetime,
                  *, first_row_number: int = 1) -> UpsertReport:
    """Each good row lands; each bad row is reported with its number and reason. Re-sending changes nothing."""
    report = UpsertReport()
    for offset, raw in enumerate(rows):
        number = first_row_number + offset
        try:
            order_in = raw if isinstance(raw, OrderIn) else OrderIn.model_validate(raw)
            with session.begin_nested():
                outcome = _upsert_one(session, order_in, key, now)
        except ValidationError as error:
            report.errors.extend((number, f, m) for f, m in validation_errors(error))
            continue
        except InvalidInput as error:
            report.errors.append((number, str(error.extra.get("field", "")), error.detail))
            continue
        except IntegrityError as error:
            report.errors.append((number, "id", f"与已有数据冲突 / conflicts with existing data: {error.orig}"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _upsert_one(session: Session, order_in: OrderIn, key: bytes, now: datetime) -> str:
    product = session.get(Product, order_in.product_id)
    if product is None:
        raise InvalidInput(f"商品 {order_in.product_id} 不存在 / no such product", field="product_id")
    anchor_id = _check_links(session, order_in, product)
    _upsert_buyer(session, order_in, key, now)
    existing = session.get(Order, order_in.id)
    if existing is not None:
        if existing.buyer_id != order_in.buyer.id or existing.product_id != order_in.product_id:
            raise InvalidInput("订单号已存在且买家或商品不同 / order id exists with another buyer or product",
                               field="id")
        changed = False
        for name in UPDATABLE:
            value = getattr(order_in, name)
            current = getattr(existing, name)
            if isinstance(current, datetime):
                current = as_utc(current)
            if value is not None and value != current:
                setattr(existing, name, value)
                changed = True
        return "updated" if changed else "unchanged"
    session.add(Order(
        id=order_in.id, buyer_id=order_in.buyer.id, product_id=product.id, batch_id=order_in.batch_id,
        shop_id=product.shop_id, brand_id=product.brand_id, anchor_id=anchor_id,
        live_session_id=order_in.live_session_id, quantity=order_in.quantity, amount=order_in.amount,
        region=order_in.buyer.region, placed_at=order_in.placed_at, paid_at=order_in.paid_at,
        shipped_at=order_in.shipped_at, delivered_at=order_in.delivered_at, presale=order_in.presale,
        promised_ship_by=order_in.promised_ship_by, shipping_insurance=order_in.shipping_insurance,
        created_at=now))
    session.flush()
    if order_in.outbound is not None:
        session.add(Shipment(id=new_id("SH"), order_id=order_in.id, direction="outbound",
                             carrier_id=order_in.outbound.carrier_id, tracking_no=order_in.outbound.tracking_no,
                             status="delivered" if order_in.delivered_at else "created", created_at=now,
                             updated_at=now))
    return "created"


def _check_links(session: Session, order_in: OrderIn, product: Product) -> str | None:
    if order_in.batch_id is not None:
        batch = session.get(Batch, order_in.batch_id)
        if batch is None or batch.product_id != product.id:
            raise InvalidInput("批次不属于该商品 / batch does not belong to the product", field="batch_id")
    anchor_id = order_in.anchor_id
    if order_in.live_session_id is not None:
        live = session.get(LiveSession, order_in.live_session_id)
        if live is None:
            raise InvalidInput("直播场次不存在 / no such live session", field="live_session_id")
        if anchor_id is not None and anchor_id != live.anchor_id:
            raise InvalidInput("主播与直播场次不符 / anchor does not match the live session", field="anchor_id")
        anchor_id = live.anchor_id
    if anchor_id is not None:
        anchor = session.get(Party, anchor_id)
        if anchor is None or anchor.kind != "anchor":
            raise InvalidInput("主播不存在 / no such anchor", field="anchor_id")
    return anchor_id


def _upsert_buyer(session: Session, order_in: OrderIn, key: bytes, now: datetime) -> None:
    buyer = session.get(Buyer, order_in.buyer.id)
    if buyer is None:
        session.add(Buyer(id=order_in.buyer.id, display_name=order_in.buyer.name,
                          phone_enc=pii.encrypt(order_in.buyer.phone, key),
                          address_enc=pii.encrypt(order_in.buyer.address, key), region=order_in.buyer.region,
                          created_at=now))
        session.flush()


def get_order(session: Session, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"订单 {order_id} 不存在 / order {order_id} not found")
    return order


@dataclass(frozen=True)
class ReturnStep:
    """A milestone of a return parcel that the case owning it should show (退货已揽收 …)."""

    status: str
    zh: str
    en: str
    location: str
    occurred_at: datetime


@dataclass(frozen=True)
class EventOutcome:
    duplicate: bool
    case_id: str | None
    order_id: str | None
    return_step: ReturnStep | None = None


_RETURN_STEPS = {
    "collected": ("退货已揽收", "return collected by the carrier"),
    "in_transit": ("退货运输中", "return in transit"),
    "delivered": ("退货已送达商家", "return delivered to the seller"),
    "exception": ("退货物流异常", "return shipment exception"),
}


def record_logistics_event(session: Session, event: LogisticsEventIn, now: datetime) -> EventOutcome:
    """A carrier webhook: stored once however often it is resent; says which return milestone it means."""
    shipment = session.scalar(select(Shipment).where(Shipment.tracking_no == event.tracking_no))
    case_id, order_id = (shipment.case_id, shipment.order_id) if shipment else (None, None)
    try:
        with session.begin_nested():
            session.add(LogisticsEvent(tracking_no=event.tracking_no, carrier_code=event.carrier_code,
                                       status=event.status, description=event.description,
                                       location=event.location, occurred_at=event.occurred_at, received_at=now))
    except IntegrityError:
        return EventOutcome(True, case_id, order_id)
    if shipment is None:
        return EventOutcome(False, None, None)
    shipment.status, shipment.updated_at = event.status, now
    if shipment.direction == "outbound" and event.status == "delivered":
        order = session.get(Order, shipment.order_id)
        if order is not None and order.delivered_at is None:
            order.delivered_at = event.occurred_at
    elif shipment.direction == "return" and shipment.case_id and event.status in _RETURN_STEPS:
        zh, en = _RETURN_STEPS[event.status]
        return EventOutcome(False, case_id, order_id,
                            ReturnStep(event.status, zh, en, event.location, event.occurred_at))
    return EventOutcome(False, case_id, order_id)


def register_return_shipment(session: Session, *, order_id: str, case_id: str, tracking_no: str,
                             carrier_id: str | None, now: datetime) -> Shipment:
    """The buyer's return parcel: one tracking number belongs to one shipment."""
    taken = session.scalar(select(Shipment.id).where(Shipment.tracking_no == tracking_no))
    if taken is not None:
        raise InvalidInput("该运单号已登记 / this tracking number is already registered", field="tracking_no")
    shipment = Shipment(id=new_id("SH"), order_id=order_id, case_id=case_id, direction="return",
                        carrier_id=carrier_id, tracking_no=tracking_no, status="created", created_at=now,
                        updated_at=now)
    session.add(shipment)
    return shipment
