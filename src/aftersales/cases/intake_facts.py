"""Loads, for a whole intake batch at once, everything the pure intake plan needs: orders and their lines,
products, responsible parties, the anchor's claims, open cases on the same lines, and earlier idempotent cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases import groups
from aftersales.cases.adjudication import OrderFacts
from aftersales.cases.intake_plan import ClaimedLine, Claims, IntakeRequest, order_facts
from aftersales.cases.lifecycle import SETTLED
from aftersales.cases.models import Case, CaseItem
from aftersales.cases.price_facts import price_points
from aftersales.catalog.models import Product
from aftersales.liability import service as liability_service
from aftersales.liability.routing import OrderParties
from aftersales.live import phrases
from aftersales.live import service as live_service
from aftersales.live.models import LiveClaim
from aftersales.orders import service as order_service
from aftersales.orders.models import Order, OrderItem
from aftersales.parties.models import BuyerFlag
from aftersales.policy.price_rules import PricePoint

#: (database, live session, product) → (claims recorded so far, promises, checkable claims). A live session
#: only grows, so the number of claims tells whether the cached reading (and its chain check) is still current.
_claims_cache: dict[tuple[str, str, str], tuple[int, Claims]] = {}
_cache_lock = Lock()


@dataclass
class BatchFacts:
    orders: dict[str, Order] = field(default_factory=dict)
    lines: dict[str, list[OrderItem]] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    parties: dict[str, OrderParties] = field(default_factory=dict)
    #: (live session, product) → what the anchor promised and claimed for it there
    claims: dict[tuple[str, str], Claims] = field(default_factory=dict)
    #: order line id → (case id, case type) of the open cases naming it
    open_cases: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    #: (buyer, idempotency key) → the case it opened before
    existing: dict[tuple[str, str], Case] = field(default_factory=dict)
    #: product → its price changes after the earliest order of the batch (price protection)
    prices: dict[str, tuple[PricePoint, ...]] = field(default_factory=dict)
    #: (batch | session | product | anchor id, problem class) → the open group case gathering such cases
    open_groups: dict[tuple[str, str], str] = field(default_factory=dict)
    #: buyers flagged for the dedicated channel
    flags: dict[str, BuyerFlag] = field(default_factory=dict)


def load(session: Session, requests: Sequence[IntakeRequest]) -> BatchFacts:
    facts = BatchFacts()
    order_ids = {r.payload.order_id for r in requests} | {
        item.order_id for r in requests for item in (r.payload.items or ()) if item.order_id}
    facts.orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
    facts.lines = order_service.items_of(session, list(facts.orders))
    product_ids = {line.product_id for lines in facts.lines.values() for line in lines}
    facts.products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    facts.parties = liability_service.parties_for_orders(session, facts.orders.values())
    facts.claims = _claims(session, facts.orders.values(), facts.lines)
    facts.open_cases = _open_cases(session, [line.id for lines in facts.lines.values() for line in lines])
    facts.existing = _existing_by_key(session, requests)
    facts.prices = price_points(session, facts.orders.values(), facts.products)
    subjects = {line.batch_id or "" for lines in facts.lines.values() for line in lines} | {
        line.product_id for lines in facts.lines.values() for line in lines} | {
        o.live_session_id or "" for o in facts.orders.values()} | {o.anchor_id or "" for o in facts.orders.values()}
    facts.open_groups = groups.open_groups(session, subjects - {""})
    facts.flags = {f.buyer_id: f for f in session.scalars(select(BuyerFlag).where(
        BuyerFlag.buyer_id.in_({r.buyer_id for r in requests}), BuyerFlag.flagged.is_(True)))}
    return facts


def _open_cases(session: Session, line_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not line_ids:
        return found
    rows = session.execute(select(CaseItem.order_item_id, Case.id, Case.case_type)
                           .join(Case, Case.id == CaseItem.case_id)
                           .where(CaseItem.order_item_id.in_(line_ids),
                                  Case.state.not_in([s.value for s in SETTLED])))
    for line_id, case_id, case_type in rows:
        found[line_id].append((case_id, case_type))
    return found


def _existing_by_key(session: Session, requests: Sequence[IntakeRequest]) -> dict[tuple[str, str], Case]:
    keys = {(r.buyer_id, r.idempotency_key) for r in requests if r.idempotency_key}
    if not keys:
        return {}
    # two plain IN lists use the (buyer_id, idempotency_key) index; a row-value IN makes SQLite scan the table
    found = session.scalars(select(Case).where(Case.buyer_id.in_({b for b, _ in keys}),
                                               Case.idempotency_key.in_({k for _, k in keys})))
    return {pair: case for case in found if (pair := (case.buyer_id, case.idempotency_key or "")) in keys}


def _claims(session: Session, orders: Iterable[Order],
            lines: dict[str, list[OrderItem]]) -> dict[tuple[str, str], Claims]:
    """Promises and checkable claims per (live session, product), re-reading a session only when it has grown."""
    wanted = {(o.live_session_id, line.product_id) for o in orders if o.live_session_id
              for line in lines.get(o.id, ())}
    if not wanted:
        return {}
    counts = dict(session.execute(select(LiveClaim.session_id, func.count()).where(
        LiveClaim.session_id.in_({s for s, _ in wanted})).group_by(LiveClaim.session_id)).all())
    database = str(session.get_bind().engine.url)
    found: dict[tuple[str, str], Claims] = {}
    for live_session_id, product_id in wanted:
        key = (database, live_session_id, product_id)
        count = counts.get(live_session_id, 0)
        cached = _claims_cache.get(key)
        if cached is None or cached[0] != count:
            views = live_service.claims_for(session, live_service.SoldItem(live_session_id, product_id)) \
                if count else []
            promises = tuple(dict.fromkeys(pid for view in views for pid in view.promise_ids))
            checkable = tuple(claim for view in views for claim in phrases.extract_checkable(view.text))
            days = [p["days"] for view in views for p in view.promises if p.get("days") is not None]
            cached = (count, Claims(promises, checkable, max(days) if days else None))
            with _cache_lock:
                _claims_cache[key] = cached
        found[(live_session_id, product_id)] = cached[1]
    return found


def facts_for_case(session: Session, case: Case) -> tuple[Order, list[ClaimedLine], OrderFacts]:
    """The same facts intake judged the case on, loaded again for the lines it names (for a re-decision)."""
    named = list(session.scalars(select(CaseItem).where(CaseItem.case_id == case.id).order_by(CaseItem.id)))
    order_ids = {case.order_id} | {item.order_id for item in named}
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
    lines = order_service.items_of(session, list(orders))
    by_id = {line.id: line for found in lines.values() for line in found}
    claimed = [ClaimedLine(item_id=item.order_item_id, order_id=item.order_id, line_no=by_id[item.order_item_id].line_no,
                           product_id=by_id[item.order_item_id].product_id,
                           batch_id=by_id[item.order_item_id].batch_id, quantity=item.quantity,
                           paid=item.paid_amount, unit_price=by_id[item.order_item_id].unit_price,
                           sku=by_id[item.order_item_id].sku) for item in named]
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({line.product_id for line in claimed})))}
    if case.order_id is None:
        raise ValueError(f"group case {case.id} names no order")
    order = orders[case.order_id]
    parties = liability_service.parties_for_orders(session, [order])[order.id]
    claims = _claims(session, orders.values(), lines)
    prices = price_points(session, orders.values(), products)
    return order, claimed, order_facts(order, claimed, products, parties, claims, orders=orders, prices=prices)
