"""Price protection (价保), pure: the period a request stands in and the lower price its refund is measured by.

The period is the rule set's own (`[price_protection] base_days`) or, when longer, the one the anchor promised
in the live session (价保30天 → 30 days, held to `max_promised_days`). A request is judged against it by whole
days since the order. Within it, the lowest comparable price that took effect after the order and within the
period (the facts carry only prices this buyer could have paid: see `comparable_drops`) sets the refund:
what one unit cost the buyer above that price, times the units, never more than was paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from aftersales.clock import SHANGHAI
from aftersales.policy.facts import Facts, PriceDrop
from aftersales.policy.ruleset import PricePeriod, PriceProtection

CENT = Decimal("0.01")

#: price history sources as a reason names them (catalog.prices.SOURCES)
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "list": ("标价", "list price"),
    "promotion": ("促销价", "promotion price"),
    "live": ("直播间价", "live-session price"),
    "coupon": ("券后价（所有买家可领）", "price after a coupon open to every buyer"),
}
#: who a price was open to; only "all", and "fans" for a buyer who bought in that anchor's live room, are
#: prices this buyer could have paid (membership is not recorded, and after buying nobody is a new buyer)
AUDIENCES = ("all", "fans", "member", "new_buyer")


@dataclass(frozen=True)
class PriceStanding:
    period: int
    #: "promise" | "base"
    period_source: str
    state: PricePeriod
    #: whole days from the order to the request
    order_days: int
    #: the lowest comparable price within the period below what the buyer paid, if any
    drop: PriceDrop | None


def standing(facts: Facts, protection: PriceProtection) -> PriceStanding:
    promised = min(facts.promised_price_days or 0, protection.max_promised_days)
    period = max(promised, protection.base_days)
    source = "promise" if promised > protection.base_days else "base"
    order_days = facts.days_since_order if facts.days_since_order is not None else facts.days_since_delivery or 0
    state: PricePeriod = "none" if period == 0 else "open" if order_days <= period else "closed"
    return PriceStanding(period, source, state, order_days, _lowest(facts, period) if state == "open" else None)


def _lowest(facts: Facts, period: int) -> PriceDrop | None:
    if facts.unit_paid is None:
        return None
    within = [d for d in facts.price_drops if d.day <= period and d.price < facts.unit_paid]
    # the lowest price; the earliest among equals, so a reason names when it was first offered
    return min(within, key=lambda d: (d.price, d.day, d.at), default=None)


def difference_refund(facts: Facts, drop: PriceDrop | None) -> Decimal:
    """What the buyer paid above the lower price, for the units claimed, never more than was paid for them."""
    if drop is None or facts.unit_paid is None:
        return Decimal(0)
    difference = (facts.unit_paid - drop.price) * facts.quantity
    return min(difference, facts.paid_amount).quantize(CENT, rounding=ROUND_DOWN)


def placeholders(price: PriceStanding, facts: Facts) -> dict[str, str]:
    """Sentence values in both languages (the `_zh`/`_en` pairs are picked by the sentence's language)."""
    drop = price.drop
    zh_source, en_source = _source_names(drop) if drop else ("", "")
    promised = ("主播直播间承诺", "promised by the anchor in the live session")
    base = ("本规则的基础价保期", "this rule set's own period")
    zh_period, en_period = promised if price.period_source == "promise" else base
    return {
        "period": str(price.period),
        "period_source_zh": zh_period,
        "period_source_en": en_period,
        "order_days": str(price.order_days),
        "unit_paid": "" if facts.unit_paid is None else f"{facts.unit_paid:.2f}",
        "quantity": str(facts.quantity),
        "drop_price": f"{drop.price:.2f}" if drop else "",
        "drop_at_zh": f"{_local(drop.at)}（北京时间）" if drop else "",
        "drop_at_en": f"{_local(drop.at)} (UTC+8)" if drop else "",
        "drop_source_zh": zh_source,
        "drop_source_en": en_source,
    }


def _source_names(drop: PriceDrop) -> tuple[str, str]:
    zh, en = SOURCE_NAMES.get(drop.source, (drop.source, drop.source))
    if drop.ref and drop.source == "live":
        return f"{zh}，直播场次 {drop.ref}", f"{en}, live session {drop.ref}"
    if drop.ref:
        return f"{zh}，{drop.ref}", f"{en}, {drop.ref}"
    return zh, en


def _local(at: str) -> str:
    moment = datetime.fromisoformat(at)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class PricePoint:
    """One entry of a product's price history as the fact builder sees it."""

    price: Decimal
    at: datetime
    source: str
    audience: str = "all"
    sku: str = ""
    #: a coupon price needs at least this spend on the line (满减); None = no threshold
    min_spend: Decimal | None = None
    ref: str = ""
    #: the anchor of the live session the price was offered in, for "fans" prices
    anchor_id: str | None = None


def comparable_drops(points: Iterable[PricePoint], *, sku: str | None, ordered_at: datetime,
                     requested_at: datetime, line_total: Decimal, anchor_id: str | None) -> tuple[PriceDrop, ...]:
    """The prices this buyer could have paid for the same SKU after ordering, up to the request, as new lows.

    Same SKU: an entry for this SKU or for the whole product (sku ""). Open to this buyer: audience "all", or
    "fans" of the anchor the buyer bought from live; never member or new-buyer prices, nor a coupon whose
    threshold the line did not reach. Only each new low is kept: a later, higher price never sets a refund.
    """
    eligible = sorted((p for p in points if _comparable(p, sku, ordered_at, requested_at, line_total, anchor_id)),
                      key=lambda p: (p.at, p.price))
    drops: list[PriceDrop] = []
    for point in eligible:
        if not drops or point.price < drops[-1].price:
            day = int((point.at - ordered_at).total_seconds() // 86400)
            drops.append(PriceDrop(day=day, price=point.price, at=point.at.isoformat(), source=point.source,
                                   ref=point.ref))
    return tuple(drops)


def _comparable(point: PricePoint, sku: str | None, ordered_at: datetime, requested_at: datetime,
                line_total: Decimal, anchor_id: str | None) -> bool:
    if point.sku not in ("", sku or ""):
        return False
    if not ordered_at < point.at <= requested_at:
        return False
    if point.min_spend is not None and line_total < point.min_spend:
        return False
    return point.audience == "all" or (point.audience == "fans" and anchor_id is not None
                                       and point.anchor_id == anchor_id)
