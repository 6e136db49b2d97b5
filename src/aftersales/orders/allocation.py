"""What each order line was paid: the documented allocation rule. Pure.

A line's paid amount is its price (unit price × quantity) less its share of the order-level discount plus its
share of the shipping fee, both shares proportional to the lines' prices. That is the amount paid split in
proportion to the lines' prices, rounded to the cent by largest remainder, so the lines always add up to
exactly what the buyer paid (lines of price zero share it equally). A refund on a line never exceeds its paid
amount; a partial quantity refunds that fraction of it (`paid_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from aftersales.money import CENT, proportional


def paid_per_line(amount_paid: Decimal, line_totals: Sequence[Decimal]) -> list[Decimal]:
    return proportional(amount_paid, line_totals)


def paid_for(paid_amount: Decimal, quantity: int, of_quantity: int) -> Decimal:
    """The part of a line's payment that `of_quantity` of its `quantity` units carry (rounded down to the cent,
    so partial claims on one line never add up to more than it was paid)."""
    if of_quantity >= quantity:
        return paid_amount
    return (paid_amount * of_quantity / quantity).quantize(CENT, rounding=ROUND_DOWN)
