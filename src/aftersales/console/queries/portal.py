"""A brand's, anchor's or MCN's own view: the cases routed to it, and return and complaint rates per production
batch (brand, over order lines), per live session (anchor) or per anchor (MCN) — only over its own orders.

These rates are read here from orders and cases; the risk work's traceability rates, when they land, replace them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from aftersales.cases.models import Case, CaseItem
from aftersales.cases.visibility import visible_to
from aftersales.catalog.models import Batch, Product
from aftersales.live.models import LiveSession
from aftersales.orders.models import Order, OrderItem
from aftersales.parties.models import Party
from aftersales.security.principals import Principal, Role

RETURN_TYPES = ("refund_only", "return_refund", "exchange")
COMPLAINT_TYPES = ("complaint", "allergy_claim", "repair")
WINDOW_DAYS = 90


@dataclass(frozen=True)
class RateRow:
    key: str
    label: str
    orders: int
    returns: int
    complaints: int

    @property
    def return_rate(self) -> float | None:
        return self.returns / self.orders if self.orders else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.orders if self.orders else None


def routed_cases(session: Session, principal: Principal, limit: int = 50) -> list[Case]:
    return list(session.scalars(select(Case).where(visible_to(principal))
                                .order_by(Case.closed_at.is_not(None), Case.created_at.desc()).limit(limit)))


def _owners(session: Session, principal: Principal) -> list[str]:
    owners = sorted(principal.party_ids)
    if principal.role is Role.mcn:
        owners = list(session.scalars(select(Party.id).where(Party.parent_id.in_(owners), Party.kind == "anchor")))
    return owners


def _batch_rates(session: Session, owners: list[str], since: datetime) -> list[tuple[str, int, int, int]]:
    """Per production batch of the brand's order lines: lines sold, and lines a return or a complaint names."""
    named = (select(CaseItem.order_item_id, Case.case_type).join(Case, Case.id == CaseItem.case_id).subquery())
    returns = func.count(func.distinct(when((named.c.case_type.in_(RETURN_TYPES), OrderItem.id))))
    complaints = func.count(func.distinct(when((named.c.case_type.in_(COMPLAINT_TYPES), OrderItem.id))))
    query = (select(OrderItem.batch_id, func.count(func.distinct(OrderItem.id)), returns, complaints)
             .join(Order, Order.id == OrderItem.order_id)
             .outerjoin(named, named.c.order_item_id == OrderItem.id)
             .where(Order.brand_id.in_(owners), Order.placed_at >= since, OrderItem.batch_id.is_not(None))
             .group_by(OrderItem.batch_id))
    return [(str(k), int(n), int(r), int(c)) for k, n, r, c in session.execute(query)]


def _order_rates(session: Session, key: InstrumentedAttribute[str | None], owners: list[str],
                 since: datetime) -> list[tuple[str, int, int, int]]:
    """Per live session (an anchor) or per anchor (an MCN): orders, and orders with a return or a complaint."""
    returns = func.count(func.distinct(when((Case.case_type.in_(RETURN_TYPES), Case.order_id))))
    complaints = func.count(func.distinct(when((Case.case_type.in_(COMPLAINT_TYPES), Case.order_id))))
    query = (select(key, func.count(func.distinct(Order.id)), returns, complaints)
             .outerjoin(Case, Case.order_id == Order.id)
             .where(Order.anchor_id.in_(owners), Order.placed_at >= since, key.is_not(None)).group_by(key))
    return [(str(k), int(n), int(r), int(c)) for k, n, r, c in session.execute(query)]


def rates(session: Session, principal: Principal, now: datetime, days: int = WINDOW_DAYS) -> list[RateRow]:
    """Return and complaint rates over the last `days` of orders, worst return rate first."""
    owners, since = _owners(session, principal), now - timedelta(days=days)
    if principal.role is Role.brand:
        found = _batch_rates(session, owners, since)
    else:
        found = _order_rates(session, Order.live_session_id if principal.role is Role.anchor else Order.anchor_id,
                             owners, since)
    labels = _labels(session, principal.role, [k for k, *_ in found])
    rows = [RateRow(k, labels.get(k, k), n, r, c) for k, n, r, c in found]
    return sorted(rows, key=lambda r: (-(r.return_rate or 0), -r.orders))


def _labels(session: Session, role: Role, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    if role is Role.brand:
        return {b: f"{p} · {n}" for b, n, p in session.execute(
            select(Batch.id, Batch.batch_no, Product.name).join(Product, Product.id == Batch.product_id)
            .where(Batch.id.in_(keys)))}
    if role is Role.anchor:
        return dict(session.execute(select(LiveSession.id, LiveSession.title).where(LiveSession.id.in_(keys)))
                    .all())
    return dict(session.execute(select(Party.id, Party.name).where(Party.id.in_(keys))).all())


def own_subjects(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The (subject type, id) pairs of the health index this party may see: its own, and an MCN's anchors."""
    kind = principal.role.value
    own = sorted(principal.party_ids)
    party_kinds = dict(session.execute(select(Party.id, Party.kind).where(Party.id.in_(own))).all())
    return [(party_kinds[p] if party_kinds.get(p) in ("brand", "shop", "anchor", "mcn") else kind, p) for p in own]
