"""Catalog: the category tree, products with their tags (such as 敏感肌) and production batches."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String
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
