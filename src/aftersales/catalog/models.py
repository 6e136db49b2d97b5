"""Catalog: the category tree, products with their tags (such as 敏感肌) and production batches."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    tags: Mapped[list[str]] = mapped_column(default=list)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    batch_no: Mapped[str] = mapped_column(String(40))
    produced_on: Mapped[date | None] = mapped_column(Date)


class ProductPrice(Base):
    """One price change of a product or one of its SKUs: list, promotion, live-session or coupon price, and who
    could get it. Price protection (价保) compares what a buyer paid with the later prices recorded here."""

    __tablename__ = "product_prices"
    __table_args__ = (
        # re-importing or re-posting the same change lands once
        UniqueConstraint("product_id", "sku", "audience", "source", "effective_at", name="uq_product_prices_change"),
        Index("ix_product_prices_product_time", "product_id", "effective_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    #: "" = every SKU of the product
    sku: Mapped[str] = mapped_column(String(60), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: list | promotion | live | coupon
    source: Mapped[str] = mapped_column(String(20))
    #: who could buy at this price: all | fans | member | new_buyer
    audience: Mapped[str] = mapped_column(String(20), default="all")
    #: a coupon price needs at least this spend (满减); None = no threshold
    min_spend: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    live_session_id: Mapped[str | None] = mapped_column(ForeignKey("live_sessions.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str | None] = mapped_column(String(40))
