"""Product price history: every price change of a product or SKU (list, promotion, live-session, coupon),
recorded through the API or imported, idempotent by the change's identity (product, SKU, audience, source,
moment)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import column, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aftersales.catalog.models import Product, ProductPrice
from aftersales.catalog.price_schemas import PriceIn
from aftersales.problems import InvalidInput, NotFound, validation_fields

#: the live domain sits above the catalog: its table is named here only to check that a session exists
_LIVE_SESSIONS = table("live_sessions", column("id"))


@dataclass
class PriceReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (row number, field, reason)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def record_prices(session: Session, rows: Sequence[dict[str, Any] | PriceIn], *, now: datetime,
                  actor: str | None, may_price: Callable[[Product], bool] | None = None, first_row_number: int = 1) -> PriceReport:
    """Each good row lands, each bad one is reported by number; sending a change again changes nothing.

    `may_price(product) -> bool`, when given, says whether the caller may price that product."""
    report = PriceReport()
    for offset, raw in enumerate(rows):
        number = first_row_number + offset
        try:
            price_in = raw if isinstance(raw, PriceIn) else PriceIn.model_validate(raw)
            with session.begin_nested():
                outcome = _record_one(session, price_in, now=now, actor=actor, may_price=may_price)
        except ValidationError as error:
            report.errors.extend((number, e["field"], e["reason"]) for e in validation_fields(error.errors()))
            continue
        except InvalidInput as error:
            report.errors.append((number, str(error.extra.get("field", "")), error.detail))
            continue
        except IntegrityError:
            # the product and the session were checked: what is left is the same change sent twice at once
            report.errors.append((number, "effective_at", "同一价格变动正被另一请求记录，请重发 / the same change "
                                                          "was being recorded at the same moment; send it again"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _record_one(session: Session, price_in: PriceIn, *, now: datetime, actor: str | None,
                may_price: Callable[[Product], bool] | None) -> str:
    product = session.get(Product, price_in.product_id)
    if product is None or (may_price is not None and not may_price(product)):
        raise InvalidInput(f"商品 {price_in.product_id} 不存在 / no such product", field="product_id")
    if price_in.live_session_id is not None and session.scalar(
            select(_LIVE_SESSIONS.c.id).where(_LIVE_SESSIONS.c.id == price_in.live_session_id)) is None:
        raise InvalidInput("直播场次不存在 / no such live session", field="live_session_id")
    existing = session.scalar(select(ProductPrice).where(
        ProductPrice.product_id == price_in.product_id, ProductPrice.sku == price_in.sku,
        ProductPrice.audience == price_in.audience.value, ProductPrice.source == price_in.source.value,
        ProductPrice.effective_at == price_in.effective_at))
    values = {"price": price_in.price, "min_spend": price_in.min_spend, "live_session_id": price_in.live_session_id,
              "note": price_in.note}
    if existing is not None:
        if all(getattr(existing, name) == value for name, value in values.items()):
            return "unchanged"
        # a correction of the same change: the history keeps one row per change
        for name, value in values.items():
            setattr(existing, name, value)
        existing.recorded_at, existing.recorded_by = now, actor
        session.flush()
        return "updated"
    session.add(ProductPrice(product_id=price_in.product_id, sku=price_in.sku, effective_at=price_in.effective_at,
                             source=price_in.source.value, audience=price_in.audience.value, recorded_at=now,
                             recorded_by=actor, **values))
    session.flush()
    return "created"


def history(session: Session, product_id: str, *, sku: str | None = None, limit: int = 500) -> list[ProductPrice]:
    """A product's price changes, oldest first (with `sku`: that SKU's and the whole product's)."""
    if session.get(Product, product_id) is None:
        raise NotFound(f"商品 {product_id} 不存在 / no such product", field="product_id")
    query = select(ProductPrice).where(ProductPrice.product_id == product_id)
    if sku is not None:
        query = query.where(ProductPrice.sku.in_(["", sku]))
    return list(session.scalars(query.order_by(ProductPrice.effective_at, ProductPrice.id).limit(limit)))


def changes_after(session: Session, product_ids: Iterable[str], since: datetime) -> dict[str, list[ProductPrice]]:
    """Every price change of these products after `since`, per product, in time order (one read for a batch)."""
    wanted = sorted(set(product_ids))
    found: dict[str, list[ProductPrice]] = defaultdict(list)
    if not wanted:
        return found
    for row in session.scalars(select(ProductPrice).where(ProductPrice.product_id.in_(wanted),
                                                          ProductPrice.effective_at > since)
                               .order_by(ProductPrice.effective_at, ProductPrice.id)):
        found[row.product_id].append(row)
    return found
