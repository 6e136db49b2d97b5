"""The price history a case's price-protection facts are built from: one read per batch of cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.catalog import prices as catalog_prices
from aftersales.catalog.models import Product
from aftersales.live.models import LiveSession
from aftersales.orders.models import Order
from aftersales.policy.price_rules import PricePoint


def price_points(session: Session, orders: Iterable[Order],
                 products: Mapping[str, Product]) -> dict[str, tuple[PricePoint, ...]]:
    """Per product, its price changes after the earliest of these orders, with the anchor of a live price."""
    placed = [order.placed_at for order in orders]
    if not placed or not products:
        return {}
    changes = catalog_prices.changes_after(session, products, min(placed))
    sessions = {row.live_session_id for rows in changes.values() for row in rows if row.live_session_id}
    anchors: dict[str, str] = {}
    if sessions:
        rows = session.execute(select(LiveSession.id, LiveSession.anchor_id).where(LiveSession.id.in_(sessions)))
        anchors = {session_id: anchor_id for session_id, anchor_id in rows}
    return {product_id: tuple(PricePoint(price=row.price, at=row.effective_at, source=row.source,
                                         audience=row.audience, sku=row.sku, min_spend=row.min_spend,
                                         ref=row.live_session_id or "",
                                         anchor_id=anchors.get(row.live_session_id or ""))
                              for row in rows)
            for product_id, rows in changes.items()}
