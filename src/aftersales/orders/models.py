"""Orders, shipments (outbound and return) and the carriers' logistics events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class Order(Base):
    """One checkout at one shop: the buyer, where it was sold, and what was paid in all."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("buyers.id"), index=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    #: the shop's brand (a brand's flagship store); each line's product names its own brand too
    brand_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    anchor_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    live_session_id: Mapped[str | None] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    #: paid in all: the lines' prices less the order discount plus shipping
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    shipping_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    region: Mapped[str] = mapped_column(String(40), default="")
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    presale: Mapped[bool] = mapped_column(Boolean, default=False)
    promised_ship_by: Mapped[datetime | None] = mapped_column(UtcDateTime())
    shipping_insurance: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderItem(Base):
    """One line of an order: a product (and its batch) in some quantity, and the share of the payment it carries."""

    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_order_items_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"), index=True)
    sku: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: what the buyer paid for this line: its price less its share of the order discount plus its share of
    #: shipping (orders.allocation); the most any case on this line can refund
    paid_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))  # outbound | return
    carrier_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    tracking_no: Mapped[str] = mapped_column(String(60), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="created")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LogisticsEvent(Base):
    __tablename__ = "logistics_events"
    #: carriers resend webhooks; the same event twice must land once.
    __table_args__ = (UniqueConstraint("tracking_no", "status", "occurred_at", name="uq_logistics_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_no: Mapped[str] = mapped_column(String(60), index=True)
    carrier_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # collected | in_transit | delivered | exception
    description: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str] = mapped_column(String(100), default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
