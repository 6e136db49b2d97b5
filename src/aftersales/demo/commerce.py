"""Selling: evening live sessions per anchor, orders placed during them (more in 双11 and 618), outbound parcels."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aftersales.demo.cast import Anchor, Buyer, Cast, Product
from aftersales.demo.promo import WINDOWS, demand, is_peak, promo_window
from aftersales.demo.seeded import Seeded

Row = dict[str, Any]
# Asia/Shanghai has no daylight saving, so a fixed offset is exact and much faster than zoneinfo
SHANGHAI = timedelta(hours=8)
CARRIER_SHARE = (0.2, 0.25, 0.2, 0.15, 0.2)
LIVE_SHARE = 0.88
#: baskets with a second product of the same shop (the order then has two lines)
BASKET_SHARE = 0.15
THEMES = ("宠粉福利专场", "新品首发", "源头好货", "限时秒杀", "周末狂欢", "品牌日专场")
PHYSICALLY_SHIPPED_EXCEPT = frozenset({"virtual"})


@dataclass(slots=True)
class Session:
    id: str
    anchor: Anchor
    started: datetime
    ended: datetime | None
    weight: float
    group_complaint: bool = False


@dataclass(slots=True)
class Sale:
    """What the case simulation needs to know about one order."""

    id: str
    buyer: Buyer
    product: Product
    anchor: Anchor | None
    session: Session | None
    batch_id: str | None
    placed: datetime
    paid: datetime
    shipped: datetime | None
    delivered: datetime | None
    amount: Decimal  # paid for the case's line (line 1): the most a case on it refunds
    carrier: tuple[str, str, float] | None
    tracking_no: str | None
    peak: bool
    insured: bool = False
    quantity: int = 1
    line_id: int = 0  # the order_items id of line 1, which the order's cases name


def local_day(moment: datetime) -> date:
    return (moment + SHANGHAI).date()


def plan_sessions(rng: Seeded, cast: Cast, start: datetime, now: datetime,
                  orders: int) -> tuple[list[Session], list[Row]]:
    # a small demo streams less often rather than leaving most sessions without a single order
    scale = min(1.0, max(0.1, orders / 80_000))
    sessions: list[Session] = []
    first_day, last_day = local_day(start), local_day(now)
    for anchor in cast.anchors:
        day = first_day
        while day <= last_day:
            boost = 1.6 if is_peak(day) else 1.0
            if rng.chance(min(0.95, anchor.sessions_per_week / 7 * boost * scale)):
                sessions.append(_session(rng, anchor, day, now))
            day += timedelta(days=1)
    sessions = [s for s in sessions if start <= s.started < now - timedelta(minutes=30)]
    sessions.sort(key=lambda s: (s.started, s.anchor.id))
    _mark_group_complaint(rng, sessions, now)
    rows = [{"id": s.id, "anchor_id": s.anchor.id, "shop_id": s.anchor.products[0].shop_id,
             "title": _title(rng, s), "started_at": s.started, "ended_at": s.ended,
             "root_hash": None, "sealed_at": None} for s in sessions]
    return sessions, rows


def _session(rng: Seeded, anchor: Anchor, day: date, now: datetime) -> Session:
    # evening slots 19:00–21:30 Beijing time, two to five hours long
    local_start = datetime(day.year, day.month, day.day, 19, tzinfo=now.tzinfo) + timedelta(
        minutes=rng.randrange(0, 150))
    started = local_start - SHANGHAI
    ended = started + timedelta(minutes=rng.randint(120, 300))
    weight = anchor.popularity * (ended - started).total_seconds() / 3600
    return Session(rng.new_id("LS", started), anchor, started, ended if ended <= now else None, weight)


def _title(rng: Seeded, session: Session) -> str:
    window = promo_window(local_day(session.started))
    theme = {"双11": "双11狂欢夜", "618": "618年中大促"}.get(window or "", rng.choice(THEMES))
    return f"{local_day(session.started):%m月%d日}·{theme}"


def _mark_group_complaint(rng: Seeded, sessions: list[Session], now: datetime) -> None:
    """One session of a poor anchor, 2–8 weeks ago, draws a crowd and then a wave of complaints."""
    candidates = [s for s in sessions if s.anchor.quality == "poor"
                  and now - timedelta(days=56) <= s.started <= now - timedelta(days=14) and s.ended]
    if not candidates:
        candidates = [s for s in sessions if s.anchor.quality == "poor" and s.ended] or sessions[:1]
    if candidates:
        chosen = rng.choice(candidates)
        chosen.group_complaint = True


def _pick_sessions(rng: Seeded, sessions: list[Session], count: int) -> list[Session]:
    """A day by its demand (so 双11 and 618 stand out at any size), then a session of that day by popularity;
    the complained-about session gets enough orders (≥ 40, ~0.5 %) to show as a group whatever the size."""
    group = next((s for s in sessions if s.group_complaint), None)
    picks = [group] * min(count, max(40, count // 200)) if group is not None else []
    by_day: dict[date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(local_day(session.started), []).append(session)
    days = sorted(by_day)
    cumulative = {d: list(itertools.accumulate(s.weight for s in by_day[d])) for d in days}
    for day in rng.choices(days, weights=[demand(d) for d in days], k=count - len(picks)):
        picks.append(rng.choices(by_day[day], cum_weights=cumulative[day])[0])
    return picks


@dataclass
class Placed:
    sales: list[Sale]
    orders: list[Row]
    items: list[Row]
    shipments: list[Row]


def place_orders(rng: Seeded, cast: Cast, sessions: list[Session], count: int, now: datetime, *,
                 first_item_id: int = 0) -> Placed:
    picks = _pick_sessions(rng, sessions, count)
    tracking_base = rng.randrange(10**9, 9 * 10**9)
    by_shop: dict[str, list[Product]] = {}
    for product in cast.products:
        by_shop.setdefault(product.shop_id, []).append(product)
    placed = Placed([], [], [], [])
    for session in picks:
        sale, row = _order(rng, cast, session, now, live=rng.chance(LIVE_SHARE))
        if sale.shipped is not None and sale.carrier is not None:
            sale.tracking_no = f"{sale.carrier[1]}{tracking_base + len(placed.shipments)}"
            placed.shipments.append(_outbound(rng, sale))
        sale.line_id = first_item_id + len(placed.items) + 1
        lines = _lines(rng, sale, by_shop[sale.product.shop_id], row, first_id=sale.line_id)
        placed.items.extend(lines)
        placed.sales.append(sale)
        placed.orders.append(row)
    return placed


def _lines(rng: Seeded, sale: Sale, shelf: list[Product], order: Row, *, first_id: int) -> list[Row]:
    """Line 1 is what the order's cases are about; some baskets add another product of the same shop."""
    discount = order.pop("_discount_factor")
    lines = [{"id": first_id, "order_id": sale.id, "line_no": 1, "product_id": sale.product.id,
              "batch_id": sale.batch_id, "sku": None, "quantity": sale.quantity, "unit_price": sale.product.price,
              "paid_amount": sale.amount}]
    others = [p for p in shelf if p.id != sale.product.id and p.category == sale.product.category]
    if others and rng.chance(BASKET_SHARE):
        extra = rng.choice(others)
        paid = (extra.price * discount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        lines.append({"id": first_id + 1, "order_id": sale.id, "line_no": 2, "product_id": extra.id,
                      "batch_id": None, "sku": None, "quantity": 1, "unit_price": extra.price, "paid_amount": paid})
    paid = [Decimal(str(line["paid_amount"])) for line in lines]
    listed = [Decimal(str(line["unit_price"])) * int(str(line["quantity"])) for line in lines]
    order["amount"] = sum(paid, Decimal("0"))
    order["discount"] = sum(listed, Decimal("0")) - order["amount"]
    return lines


def _order(rng: Seeded, cast: Cast, session: Session, now: datetime, *, live: bool) -> tuple[Sale, Row]:
    # nothing placed in the last 20 minutes, so payment (within 15) never falls after `now`
    latest = now - timedelta(minutes=20)
    end = min(session.ended or now, latest)
    if live:
        placed = session.started + (end - session.started) * rng.uniform(0.03, 0.97)
    else:
        # shop orders outside the live room, spread over the day around the session
        placed = min(session.started - timedelta(hours=rng.uniform(-2.0, 20.0)), latest)
    product = _product(rng, cast, session)
    buyer = rng.choice(cast.buyers)
    paid = placed + timedelta(seconds=rng.randint(5, 900))
    day = local_day(placed)
    presale, promised = _presale(rng, product, day, now)
    shipped, delivered, carrier = _fulfil(rng, cast, product, paid, promised, day, now)
    quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
    discount = Decimal(str(round(rng.uniform(0.7, 0.95) if live else 1.0, 2)))
    amount = (product.price * quantity * discount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sale = Sale(rng.new_id("OD", placed), buyer, product, session.anchor if live else None,
                session if live else None, _batch(cast, product, placed), placed, paid, shipped, delivered,
                amount, carrier, None, is_peak(day), insured=rng.chance(0.4))
    sale.quantity = quantity
    row = {"id": sale.id, "buyer_id": buyer.id, "shop_id": product.shop_id, "brand_id": product.brand_id,
           "anchor_id": sale.anchor.id if sale.anchor else None, "live_session_id": session.id if live else None,
           "amount": amount, "discount": Decimal("0"), "shipping_fee": Decimal("0"), "region": buyer.region,
           "placed_at": placed, "paid_at": paid, "shipped_at": shipped, "delivered_at": delivered,
           "presale": presale, "promised_ship_by": promised, "shipping_insurance": sale.insured,
           "created_at": placed, "_discount_factor": discount}
    return sale, row


def _product(rng: Seeded, cast: Cast, session: Session) -> Product:
    spike_product, _batch_id, produced = cast.spike_batch
    products = session.anchor.products
    day = local_day(session.started)
    # the spiking lipstick is a hot seller while that batch is on sale, so the spike is visible at any size
    if produced + timedelta(days=5) <= day <= produced + timedelta(days=26) and rng.chance(0.35):
        hot = next((p for p in products if p.id == spike_product), None)
        if hot is not None:
            return hot
    return rng.choice(products)


def _presale(rng: Seeded, product: Product, day: date, now: datetime) -> tuple[bool, datetime | None]:
    window = promo_window(day)
    if window is None or product.category in ("virtual", "fresh") or not rng.chance(0.3):
        return False, None
    peak = next(p for name, _f, _l, p in WINDOWS if name == window)
    if (day.month, day.day) >= peak:
        return False, None
    ship_by = datetime(day.year, peak[0], peak[1], 23, 59, tzinfo=now.tzinfo) - SHANGHAI + timedelta(days=3)
    return True, ship_by


def _fulfil(rng: Seeded, cast: Cast, product: Product, paid: datetime, promised: datetime | None, day: date,
            now: datetime) -> tuple[datetime | None, datetime | None, tuple[str, str, float] | None]:
    if product.category in PHYSICALLY_SHIPPED_EXCEPT:
        delivered = paid + timedelta(minutes=1)
        return None, delivered if delivered < now else None, None
    carrier = rng.choices(cast.carriers, weights=CARRIER_SHARE)[0]
    slow = product.brand_quality == "bad"
    if promised is not None:
        late = rng.chance(0.25 if slow else 0.08)
        shipped = promised + (timedelta(days=rng.uniform(1, 5)) if late else -timedelta(hours=rng.uniform(2, 60)))
    else:
        shipped = paid + rng.minutes(60 * (40 if slow else 18), 0.6)
    transit = carrier[2] * (1.6 if is_peak(day) else 1.0)
    delivered = shipped + rng.minutes(transit * 24 * 60, 0.35)
    if shipped >= now:
        return None, None, carrier
    return shipped, delivered if delivered < now else None, carrier


def _batch(cast: Cast, product: Product, placed: datetime) -> str | None:
    spike_product, spike_batch, produced = cast.spike_batch
    placed_day = local_day(placed)
    if product.id == spike_product and produced + timedelta(days=5) <= placed_day <= produced + timedelta(days=26):
        return spike_batch
    dates = [d for _bid, d in product.batches]
    index = bisect.bisect_right(dates, placed_day - timedelta(days=3)) - 1
    return product.batches[max(index, 0)][0] if product.batches else None


def _outbound(rng: Seeded, sale: Sale) -> Row:
    assert sale.shipped is not None and sale.carrier is not None
    return {"id": rng.new_id("SH", sale.shipped), "order_id": sale.id, "case_id": None, "direction": "outbound",
            "carrier_id": sale.carrier[0], "tracking_no": sale.tracking_no,
            "status": "delivered" if sale.delivered else "in_transit",
            "created_at": sale.shipped, "updated_at": sale.delivered or sale.shipped}
