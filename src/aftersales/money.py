"""Money: CNY amounts as Decimal cents end to end, one bound for what the database holds, and exact splits."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

CENT = Decimal("0.01")
#: the largest amount a Numeric(12, 2) column holds; anything above is a typo or an attack, never a price
MAX_AMOUNT = Decimal("9999999999.99")

#: an amount as the API takes it: finite, two decimals, never above what can be stored (no float on the way)
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2, allow_inf_nan=False)]
PositiveAmount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=12, decimal_places=2,
                                          allow_inf_nan=False)]


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, shares: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Split `amount` by `shares` into cents that add up to exactly `amount` (largest remainder first)."""
    total = money(amount)
    cents = int(total / CENT)
    raw = [(name, Decimal(cents) * share) for name, share in shares]
    floors = [int(value.to_integral_value(rounding=ROUND_DOWN)) for _, value in raw]
    left = cents - sum(floors)
    # ties go to the earlier share so the result never depends on anything but the rule's order
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i][1] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(name, Decimal(count) * CENT) for (name, _), count in zip(raw, floors, strict=True)]


def proportional(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` over weights in exact cents (equal parts when every weight is zero)."""
    if not weights:
        return []
    total = sum(weights, Decimal("0"))
    shares = ([w / total for w in weights] if total > 0 else [Decimal(1) / len(weights)] * len(weights))
    return [part for _, part in allocate(amount, [(str(i), share) for i, share in enumerate(shares)])]
