"""Loads, for a whole intake batch at once, what adjudication needs about each order."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.adjudication import OrderFacts
from aftersales.catalog.models import Product
from aftersales.liability.routing import OrderParties
from aftersales.live import phrases
from aftersales.live import service as live_service
from aftersales.orders.models import Order, Shipment
from aftersales.parties.models import Party


def load_order_facts(session: Session, orders: Iterable[Order]) -> dict[str, OrderFacts]:
    orders = list(orders)
    if not orders:
        return {}
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_({o.product_id for o in orders})))}
    carriers = dict(session.execute(
        select(Shipment.order_id, Shipment.carrier_id).where(Shipment.order_id.in_([o.id for o in orders]),
                                                             Shipment.direction == "outbound",
                                                             Shipment.carrier_id.is_not(None))).all())
    platform = session.scalar(select(Party.id).where(Party.kind == "platform").order_by(Party.id).limit(1))
    claims_cache: dict[tuple[str, str], tuple[tuple[str, ...], tuple[phrases.CheckableClaim, ...]]] = {}
    facts: dict[str, OrderFacts] = {}
    for order in orders:
        product = products[order.product_id]
        promises, checkable = _claims(session, order, claims_cache)
        parties = OrderParties(platform_id=platform or order.shop_id, brand_id=order.brand_id, shop_id=order.shop_id,
                               anchor_id=order.anchor_id, carrier_id=carriers.get(order.id),
                               supplier_id=product.supplier_id)
        facts[order.id] = OrderFacts(category=product.category_code, tags=tuple(product.tags or ()),
                                     amount=order.amount, placed_at=order.placed_at, delivered_at=order.delivered_at,
                                     shipping_insurance=order.shipping_insurance, parties=parties,
                                     promises=promises, checkable_claims=checkable)
    return facts


def _claims(session: Session, order: Order,
            cache: dict[tuple[str, str], tuple[tuple[str, ...], tuple[phrases.CheckableClaim, ...]]],
            ) -> tuple[tuple[str, ...], tuple[phrases.CheckableClaim, ...]]:
    """Promises and checkable claims per live session and product, computed once per batch (a peak hits one)."""
    if order.live_session_id is None:
        return (), ()
    key = (order.live_session_id, order.product_id)
    if key not in cache:
        views = live_service.claims_for_order(session, order)
        promises = tuple(dict.fromkeys(pid for view in views for pid in view.promise_ids))
        checkable = tuple(claim for view in views for claim in phrases.extract_checkable(view.text))
        cache[key] = (promises, checkable)
    return cache[key]
