"""Orders in (one or many, idempotent by order id) and carriers' logistics events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aftersales import keyset
from aftersales.catalog.models import Batch, Product
from aftersales.clock import as_utc
from aftersales.ids import new_id
from aftersales.live.models import LiveSession
from aftersales.orders import allocation
from aftersales.orders.models import LogisticsEvent, Order, OrderItem, Shipment
from aftersales.orders.schemas import LogisticsEventIn, OrderIn, OrderItemIn
from aftersales.parties.models import Buyer, Party
from aftersales.problems import InvalidInput, NotFound, validation_fields
from aftersales.security import pii
from aftersales.security.principals import Principal, Role

#: fields an integrator may correct by sending the order again (milestones that arrive later)
UPDATABLE = ("paid_at", "shipped_at", "delivered_at", "shipping_insurance", "promised_ship_by")


@dataclass
class UpsertReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def validation_errors(error: ValidationError) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in validation_fields(error.errors())]


def upsert_orders(session: Session, rows: Sequence[dict[str, Any] | OrderIn], key: pii.Keys, now: datetime,
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


def _upsert_one(session: Session, order_in: OrderIn, key: pii.Keys, now: datetime) -> str:
    lines = order_in.lines()
    products = _products_of(session, order_in, lines)
    shop_id, brand_id = products[lines[0].product_id].shop_id, products[lines[0].product_id].brand_id
    anchor_id = _check_links(session, order_in, lines)
    _upsert_buyer(session, order_in, key, now)
    existing = session.get(Order, order_in.id)
    if existing is not None:
        return _update_existing(session, existing, order_in, lines)
    assert order_in.amount is not None  # set by OrderIn's own validation
    session.add(Order(
        id=order_in.id, buyer_id=order_in.buyer.id, shop_id=shop_id, brand_id=brand_id, anchor_id=anchor_id,
        live_session_id=order_in.live_session_id, amount=order_in.amount, discount=order_in.discount,
        shipping_fee=order_in.shipping_fee, region=order_in.buyer.region, placed_at=order_in.placed_at,
        paid_at=order_in.paid_at, shipped_at=order_in.shipped_at, delivered_at=order_in.delivered_at,
        presale=order_in.presale, promised_ship_by=order_in.promised_ship_by,
        shipping_insurance=order_in.shipping_insurance, created_at=now))
    session.flush()
    paid = allocation.paid_per_line(order_in.amount, [line.unit_price * line.quantity for line in lines])
    session.add_all(OrderItem(order_id=order_in.id, line_no=number, product_id=line.product_id,
                              batch_id=line.batch_id, sku=line.sku, quantity=line.quantity,
                              unit_price=line.unit_price, paid_amount=share)
                    for number, (line, share) in enumerate(zip(lines, paid, strict=True), start=1))
    if order_in.outbound is not None:
        session.add(Shipment(id=new_id("SH"), order_id=order_in.id, direction="outbound",
                             carrier_id=order_in.outbound.carrier_id, tracking_no=order_in.outbound.tracking_no,
                             status="delivered" if order_in.delivered_at else "created", created_at=now,
                             updated_at=now))
    return "created"


def _products_of(session: Session, order_in: OrderIn, lines: list[OrderItemIn]) -> dict[str, Product]:
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({line.product_id for line in lines})))}
    for number, line in enumerate(lines):
        if line.product_id not in products:
            field = f"items.{number}.product_id" if order_in.items is not None else "product_id"
            raise InvalidInput(f"商品 {line.product_id} 不存在 / no such product", field=field)
    if len({p.shop_id for p in products.values()}) > 1:
        raise InvalidInput("一个订单的商品须来自同一店铺 / an order's products come from one shop", field="items")
    return products


def _update_existing(session: Session, existing: Order, order_in: OrderIn, lines: list[OrderItemIn]) -> str:
    stored = [(i.product_id, i.quantity) for i in session.scalars(
        select(OrderItem).where(OrderItem.order_id == existing.id).order_by(OrderItem.line_no))]
    if existing.buyer_id != order_in.buyer.id or stored != [(line.product_id, line.quantity) for line in lines]:
        raise InvalidInput("订单号已存在且买家或商品不同 / order id exists with another buyer or other lines",
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


def _check_links(session: Session, order_in: OrderIn, lines: list[OrderItemIn]) -> str | None:
    for number, line in enumerate(lines):
        if line.batch_id is not None:
            batch = session.get(Batch, line.batch_id)
            if batch is None or batch.product_id != line.product_id:
                field = f"items.{number}.batch_id" if order_in.items is not None else "batch_id"
                raise InvalidInput("批次不属于该商品 / batch does not belong to the product", field=field)
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


def _upsert_buyer(session: Session, order_in: OrderIn, key: pii.Keys, now: datetime) -> None:
    buyer = session.get(Buyer, order_in.buyer.id)
    if buyer is None:
        session.add(Buyer(id=order_in.buyer.id, name_enc=pii.encrypt(order_in.buyer.name, key),
                          phone_enc=pii.encrypt(order_in.buyer.phone, key),
                          address_enc=pii.encrypt(order_in.buyer.address, key), region=order_in.buyer.region,
                          created_at=now))
        session.flush()


def items_of(session: Session, order_ids: Sequence[str]) -> dict[str, list[OrderItem]]:
    """The lines of each order, in line order (one read for many orders)."""
    found: dict[str, list[OrderItem]] = {order_id: [] for order_id in order_ids}
    for item in session.scalars(select(OrderItem).where(OrderItem.order_id.in_(list(order_ids)))
                                .order_by(OrderItem.order_id, OrderItem.line_no)):
        found[item.order_id].append(item)
    return found


def may_see(principal: Principal, order: Order) -> bool:
    """The buyer, staff, and the parties that sold it: everyone else gets 404 (existence does not leak)."""
    if principal.is_staff:
        return True
    if principal.role is Role.buyer:
        return principal.buyer_id is not None and order.buyer_id == principal.buyer_id
    return bool(principal.party_ids & {order.brand_id, order.anchor_id, order.shop_id})


def get_visible_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None or not may_see(principal, order):
        raise NotFound(f"订单 {order_id} 不存在 / order {order_id} not found", order_id=order_id)
    return order


def list_orders(session: Session, principal: Principal, *, cursor: str | None, limit: int,
                buyer_id: str | None = None) -> tuple[list[Order], str | None]:
    """Newest first, keyset-paginated, only orders the caller may see."""
    query = select(Order)
    if principal.role is Role.buyer:
        query = query.where(Order.buyer_id == (principal.buyer_id or ""))
    elif not principal.is_staff:
        parties = sorted(principal.party_ids) or [""]
        query = query.where(or_(Order.brand_id.in_(parties), Order.shop_id.in_(parties),
                                Order.anchor_id.in_(parties)))
    if buyer_id is not None:
        query = query.where(Order.buyer_id == buyer_id)
    if cursor:
        stamp, order_id = keyset.decode(cursor)
        query = query.where(or_(Order.placed_at < stamp, and_(Order.placed_at == stamp, Order.id < order_id)))
    rows = list(session.scalars(query.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit + 1)))
    following = keyset.encode(rows[limit - 1].placed_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], following


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


def carrier_by_code(session: Session, code: str) -> str | None:
    """The carrier party whose code (`attributes.code`, e.g. SF) the buyer typed, if it is one we know."""
    wanted = code.strip().upper()
    for party_id, attributes in session.execute(select(Party.id, Party.attributes).where(Party.kind == "carrier")):
        if str((attributes or {}).get("code", "")).upper() == wanted:
            return str(party_id)
    return None


def register_return_shipment(session: Session, *, order_id: str, case_id: str, tracking_no: str,
                             carrier_code: str, now: datetime) -> Shipment:
    """The buyer's return parcel: one tracking number belongs to one shipment, of the carrier named by its code
    (so only that carrier's signed events can move it)."""
    taken = session.scalar(select(Shipment.id).where(Shipment.tracking_no == tracking_no))
    if taken is not None:
        raise InvalidInput("该运单号已登记 / this tracking number is already registered", field="tracking_no")
    shipment = Shipment(id=new_id("SH"), order_id=order_id, case_id=case_id, direction="return",
                        carrier_id=carrier_by_code(session, carrier_code), tracking_no=tracking_no,
                        status="created", created_at=now, updated_at=now)
    session.add(shipment)
    return shipment
