"""Monthly reserves and deposits derived from the orders (SPEC §6): each brand reserves 3–5 % of its month's
GMV (the rate following its return rate), and 10 % of each supplier's payment (its share of what buyers paid
for its products) is withheld. Booked once per party and month: the references make a re-run book nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from aftersales.catalog.models import Product
from aftersales.clock import to_shanghai
from aftersales.liability import ledger
from aftersales.liability import service as liability_service
from aftersales.liability.models import LedgerEntry
from aftersales.liability.rules import load_rules
from aftersales.liability.statement import month_window
from aftersales.orders.models import Order, OrderItem

RETURN_TYPES = ("refund_only", "return_refund", "exchange")


@dataclass
class AccrualReport:
    month: str
    reserves: list[dict[str, str]] = field(default_factory=list)
    deposits: list[dict[str, str]] = field(default_factory=list)
    already: int = 0


def previous_month(now: datetime) -> str:
    local = to_shanghai(now)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _returned_orders(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    # the cases table is read by name: liability sits below cases and may not import its models
    cases = table("cases", column("order_id"), column("case_type"))
    rows = session.execute(select(Order.brand_id, func.count(func.distinct(Order.id)))
                           .join(cases, cases.c.order_id == Order.id)
                           .where(Order.placed_at >= start, Order.placed_at < end,
                                  cases.c.case_type.in_(RETURN_TYPES)).group_by(Order.brand_id))
    return {brand: int(count) for brand, count in rows}


def accrue_month(session: Session, month: str, now: datetime) -> AccrualReport:
    """Book the month's reserves and deposits that are not booked yet (the month must be over)."""
    start, end = month_window(month)
    if end > now:
        raise ValueError(f"month {month} is not over yet")
    rules, report = load_rules(), AccrualReport(month)
    gmv = session.execute(select(Order.brand_id, func.sum(Order.amount), func.count())
                          .where(Order.placed_at >= start, Order.placed_at < end).group_by(Order.brand_id)).all()
    returned = _returned_orders(session, start, end)
    for brand, total, orders in gmv:
        if not total or Decimal(str(total)) <= 0:
            continue
        rate = ledger.reserve_rate(rules, returned.get(brand, 0) / orders)
        _book(session, report, report.reserves, f"reserve:{brand}:{month}", lambda b=brand, t=total, r=rate:
              liability_service.fund_reserve(session, brand_id=b, gmv=Decimal(str(t)), rate=r, now=now,
                                             reference=f"reserve:{b}:{month}", actor_id="accruals"))
    paid = session.execute(select(Product.supplier_id, func.sum(OrderItem.paid_amount))
                           .join(Product, Product.id == OrderItem.product_id).join(Order, Order.id == OrderItem.order_id)
                           .where(Order.placed_at >= start, Order.placed_at < end, Product.supplier_id.is_not(None))
                           .group_by(Product.supplier_id)).all()
    for supplier, total in paid:
        payment = ledger.money(Decimal(str(total or 0)) * rules.supplier_share)
        if payment <= 0:
            continue
        _book(session, report, report.deposits, f"deposit:{supplier}:{month}", lambda s=supplier, p=payment:
              liability_service.withhold_deposit(session, supplier_id=s, payment=p, now=now,
                                                 reference=f"deposit:{s}:{month}", actor_id="accruals"))
    return report


def _book(session: Session, report: AccrualReport, into: list[dict[str, str]], reference: str, post: object) -> None:
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.reference == reference)) is not None:
        report.already += 1
        return
    assert callable(post)
    entry = post()
    into.append({"reference": reference, "amount": str(entry.amount), "memo": entry.memo})
