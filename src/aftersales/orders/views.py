"""Orders as the API shows them: each line with its product's name and category, and what it was paid."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.catalog.models import Product
from aftersales.orders.models import Order
from aftersales.orders.schemas import OrderItemOut, OrderOut
from aftersales.orders.service import items_of


def order_views(session: Session, orders: Sequence[Order]) -> list[OrderOut]:
    items = items_of(session, [o.id for o in orders])
    product_ids = {item.product_id for lines in items.values() for item in lines}
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    views = []
    for order in orders:
        lines = [OrderItemOut(id=i.id, line_no=i.line_no, product_id=i.product_id,
                              product_name=products[i.product_id].name,
                              category_code=products[i.product_id].category_code, batch_id=i.batch_id, sku=i.sku,
                              quantity=i.quantity, unit_price=i.unit_price, paid_amount=i.paid_amount)
                 for i in items[order.id]]
        views.append(OrderOut(
            id=order.id, buyer_id=order.buyer_id, brand_id=order.brand_id, shop_id=order.shop_id,
            anchor_id=order.anchor_id, live_session_id=order.live_session_id, amount=order.amount,
            discount=order.discount, shipping_fee=order.shipping_fee, placed_at=order.placed_at,
            paid_at=order.paid_at, shipped_at=order.shipped_at, delivered_at=order.delivered_at,
            presale=order.presale, promised_ship_by=order.promised_ship_by,
            shipping_insurance=order.shipping_insurance, items=lines))
    return views
