"""Price history the demo records: for a price-protection request, the drop that prompted it (a promotion after
the buyer paid, before they asked), so the policy can decide the refund of the difference as it would live."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aftersales.demo.intake import Intake
from aftersales.demo.seeded import Seeded
from aftersales.policy.price_rules import PricePoint

Row = dict[str, Any]


def price_drops(rng: Seeded, intakes: Sequence[Intake]) -> tuple[list[Row], dict[str, list[PricePoint]]]:
    """`product_prices` rows and, per product, the points the policy reads."""
    rows: list[Row] = []
    points: dict[str, list[PricePoint]] = {}
    taken: set[tuple[str, datetime]] = set()
    for intake in intakes:
        if intake.case_type != "price_protection":
            continue
        sale = intake.sale
        paid_unit = sale.amount / sale.quantity
        price = (paid_unit * Decimal(str(round(rng.uniform(0.80, 0.95), 2)))).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        at = (sale.paid + (intake.created - sale.paid) * rng.uniform(0.3, 0.9)).replace(microsecond=0)
        if (sale.product.id, at) in taken:  # one change per product and moment
            continue
        taken.add((sale.product.id, at))
        rows.append({"product_id": sale.product.id, "sku": "", "price": price, "effective_at": at,
                     "source": "promotion", "audience": "all", "min_spend": None, "live_session_id": None,
                     "note": "大促降价 / promotion", "recorded_at": at})
        points.setdefault(sale.product.id, []).append(PricePoint(price=price, at=at, source="promotion"))
    for found in points.values():
        found.sort(key=lambda point: point.at)
    return rows, points
