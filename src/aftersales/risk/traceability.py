"""Traceability (溯源): return and complaint rates by product, batch, anchor, live session, shop, region or carrier
over any window, with the cases behind each figure.

The cohort is the orders placed in the window; a figure counts the cases opened on them (whenever opened).
Batch and product figures go through the order lines the cases name, so a two-line order's case about its
lipstick counts against the lipstick's batch only. Returns are refund-only, return-and-refund and exchange
cases; complaints are complaint and allergy cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case, CaseItem
from aftersales.catalog.models import Batch, Product
from aftersales.live.models import LiveSession
from aftersales.orders.models import Order, OrderItem, Shipment
from aftersales.parties.models import Party
from aftersales.problems import Forbidden, InvalidInput
from aftersales.security.principals import CASE_WORKERS, Principal, Role

DIMENSIONS = ("batch", "product", "anchor", "session", "shop", "region", "carrier")
LINE_DIMENSIONS = frozenset({"batch", "product"})
RETURN_TYPES = frozenset({"refund_only", "return_refund", "exchange"})
COMPLAINT_TYPES = frozenset({"complaint", "allergy_claim"})
MAX_WINDOW_DAYS = 400
#: case ids listed with each figure; the drill-down (`key=`) lists them all
LISTED_CASES = 100


@dataclass
class Rate:
    key: str
    name: str = ""
    orders: int = 0  # orders (or, for batch and product, order lines) placed in the window
    units: int = 0
    cases: set[str] = field(default_factory=set)
    returns: set[str] = field(default_factory=set)
    complaints: set[str] = field(default_factory=set)

    def as_row(self, all_cases: bool = False) -> dict[str, Any]:
        ids = sorted(self.cases)
        shown = ids if all_cases else ids[:LISTED_CASES]
        return {"key": self.key, "name": self.name, "orders": self.orders, "units": self.units,
                "cases": len(self.cases), "returns": len(self.returns), "complaints": len(self.complaints),
                "return_rate": round(len(self.returns) / self.orders, 4) if self.orders else None,
                "complaint_rate": round(len(self.complaints) / self.orders, 4) if self.orders else None,
                "case_rate": round(len(self.cases) / self.orders, 4) if self.orders else None,
                "case_ids": shown, "case_ids_truncated": len(shown) < len(ids)}


def check_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    end = end or now
    start = start or end - timedelta(days=30)
    if start >= end:
        raise InvalidInput("from 须早于 to / from must be before to", field="from")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise InvalidInput(f"时间窗最长{MAX_WINDOW_DAYS}天 / the window is at most {MAX_WINDOW_DAYS} days",
                           field="from")
    return start, end


def _key_column(by: str) -> Any:
    return {"batch": OrderItem.batch_id, "product": OrderItem.product_id, "anchor": Order.anchor_id,
            "session": Order.live_session_id, "shop": Order.shop_id, "region": Order.region,
            "carrier": Shipment.carrier_id}[by]


def _scope(query: Any, principal: Principal, by: str) -> Any:
    """Staff see everything; a brand its own products' lines (its own batches only); an anchor or MCN its sales."""
    if principal.role in CASE_WORKERS:
        return query
    parties = sorted(principal.party_ids) or [""]
    if principal.role is Role.brand:
        if by in LINE_DIMENSIONS:
            return query.where(Product.brand_id.in_(parties))
        return query.where(Order.brand_id.in_(parties))
    if principal.role in (Role.anchor, Role.mcn):
        return query.where(Order.anchor_id.in_(parties))
    raise Forbidden("无权查看溯源数据 / role may not see traceability figures", role=principal.role.value)


def _joined(query: Any, by: str, *, cases: bool) -> Any:
    if by in LINE_DIMENSIONS:
        query = query.join(Order, Order.id == OrderItem.order_id).join(Product, Product.id == OrderItem.product_id)
        if cases:
            query = query.join(CaseItem, CaseItem.order_item_id == OrderItem.id).join(Case, Case.id == CaseItem.case_id)
        return query
    if by == "carrier":
        query = query.join(Shipment, (Shipment.order_id == Order.id) & (Shipment.direction == "outbound"))
    if cases:
        query = query.join(Case, Case.order_id == Order.id)
    return query


def rates(session: Session, principal: Principal, *, by: str, start: datetime, end: datetime,
          key: str | None = None) -> list[Rate]:
    if by not in DIMENSIONS:
        raise InvalidInput(f"by 须为 {'|'.join(DIMENSIONS)} / by must be one of {list(DIMENSIONS)}", field="by")
    column = _key_column(by)
    window = (Order.placed_at >= start, Order.placed_at < end, column.is_not(None))
    if by in LINE_DIMENSIONS:
        base = select(column, func.count(func.distinct(OrderItem.id)), func.sum(OrderItem.quantity)).select_from(OrderItem)
    else:
        base = select(column, func.count(func.distinct(Order.id)), func.count(func.distinct(Order.id))).select_from(Order)
    base = _scope(_joined(base, by, cases=False).where(*window), principal, by)
    found: dict[str, Rate] = {}
    # grouped even for one key: PostgreSQL refuses a selected column beside aggregates without GROUP BY
    for subject, orders, units in session.execute((base.where(column == key) if key else base).group_by(column)):
        if subject is not None and subject != "":
            found[str(subject)] = Rate(str(subject), orders=int(orders or 0), units=int(units or 0))
    first = select(column, Case.id, Case.case_type).select_from(OrderItem if by in LINE_DIMENSIONS else Order)
    cases = _scope(_joined(first, by, cases=True).where(*window), principal, by).distinct()
    for subject, case_id, case_type in session.execute(cases.where(column == key) if key else cases):
        rate = found.get(str(subject))
        if rate is None:
            continue
        rate.cases.add(case_id)
        if case_type in RETURN_TYPES:
            rate.returns.add(case_id)
        if case_type in COMPLAINT_TYPES:
            rate.complaints.add(case_id)
    _name(session, by, found)
    return sorted(found.values(), key=lambda r: (-(len(r.cases) / r.orders if r.orders else 0), r.key))


def _name(session: Session, by: str, found: dict[str, Rate]) -> None:
    keys = list(found)
    if not keys:
        return
    names: dict[str, str] = {}
    if by == "batch":
        rows = session.execute(select(Batch.id, Batch.batch_no, Product.name).join(Product, Product.id == Batch.product_id)
                               .where(Batch.id.in_(keys)))
        names = {bid: f"{name} 批次{no}" for bid, no, name in rows}
    elif by == "product":
        names = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(keys))).all())
    elif by == "session":
        names = dict(session.execute(select(LiveSession.id, LiveSession.title).where(LiveSession.id.in_(keys))).all())
    elif by in ("anchor", "shop", "carrier"):
        names = dict(session.execute(select(Party.id, Party.name).where(Party.id.in_(keys))).all())
    for key, rate in found.items():
        rate.name = names.get(key, key)
