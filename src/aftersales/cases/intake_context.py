"""Loads, for a whole intake batch at once, what adjudication needs about each order."""

from __future__ import annotations

from collections.abc import Iterable
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.adjudication import OrderFacts
from aftersales.catalog.models import Product
from aftersales.liability.routing import OrderParties
from aftersales.live import phrases
from aftersales.live import service as live_service
from aftersales.live.models import LiveClaim
from aftersales.orders.models import Order, Shipment
from aftersales.parties.models import Party

Claims = tuple[tuple[str, ...], tuple[phrases.CheckableClaim, ...]]
#: (database, live session, product) → (claims recorded so far, promises, checkable claims). A live session
#: only grows, so the number of claims tells whether the cached reading (and its chain check) is still current.
_claims_cache: dict[tuple[str, str, str], tuple[int, Claims]] = {}
_cache_lock = Lock()


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
    claims = _claims_by_order(session, orders)
    facts: dict[str, OrderFacts] = {}
    for order in orders:
        product = products[order.product_id]
        promises, checkable = claims.get(order.id, ((), ()))
        parties = OrderParties(platform_id=platform or order.shop_id, brand_id=order.brand_id, shop_id=order.shop_id,
                               anchor_id=order.anchor_id, carrier_id=carriers.get(order.id),
                               supplier_id=product.supplier_id)
        facts[order.id] = OrderFacts(category=product.category_code, tags=tuple(product.tags or ()),
                                     amount=order.amount, placed_at=order.placed_at, delivered_at=order.delivered_at,
                                     shipping_insurance=order.shipping_insurance, parties=parties,
                                     promises=promises, checkable_claims=checkable)
    return facts


def _claims_by_order(session: Session, orders: list[Order]) -> dict[str, Claims]:
    """Promises and checkable claims per order, re-reading a live session only when it has new claims."""
    sessions = {o.live_session_id for o in orders if o.live_session_id}
    if not sessions:
        return {}
    counts = dict(session.execute(select(LiveClaim.session_id, func.count()).where(
        LiveClaim.session_id.in_(sessions)).group_by(LiveClaim.session_id)).all())
    bind = session.get_bind()
    database = str(bind.engine.url)
    found: dict[str, Claims] = {}
    for order in orders:
        if order.live_session_id is None:
            continue
        key = (database, order.live_session_id, order.product_id)
        count = counts.get(order.live_session_id, 0)
        cached = _claims_cache.get(key)
        if cached is None or cached[0] != count:
            views = live_service.claims_for(session, live_service.SoldItem(order.live_session_id, order.product_id)) if count else []
            promises = tuple(dict.fromkeys(pid for view in views for pid in view.promise_ids))
            checkable = tuple(claim for view in views for claim in phrases.extract_checkable(view.text))
            cached = (count, (promises, checkable))
            with _cache_lock:
                _claims_cache[key] = cached
        found[order.id] = cached[1]
    return found
