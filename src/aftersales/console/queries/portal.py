"""A brand's, anchor's or MCN's own view: the cases routed to it, and return and complaint rates per production
batch (brand), per live session (anchor) or per anchor (MCN) — only over its own orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from aftersales.cases.models import Case
from aftersales.cases.visibility import visible_to
from aftersales.catalog.models import Batch, Product
from aftersales.live.models import LiveSession
from aftersales.orders.models import Order
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


def _grouping(role: Role) -> tuple[InstrumentedAttribute[str | None], InstrumentedAttribute[str | None]]:
    """(the order column rates are grouped by, the order column that ties an order to the party)."""
    if role is Role.brand:
        return Order.batch_id, Order.brand_id
    if role is Role.anchor:
        return Order.live_session_id, Order.anchor_id
    return Order.anchor_id, Order.anchor_id


def rates(session: Session, principal: Principal, now: datetime, days: int = WINDOW_DAYS) -> list[RateRow]:
    """Return and complaint rates over the last `days` of orders, worst return rate first."""
    key, owner = _grouping(principal.role)
    owners = sorted(principal.party_ids)
    if principal.role is Role.mcn:
        owners = list(session.scalars(select(Party.id).where(Party.parent_id.in_(owners), Party.kind == "anchor")))
    returns = func.count(func.distinct(when((Case.case_type.in_(RETURN_TYPES), Case.order_id))))
    complaints = func.count(func.distinct(when((Case.case_type.in_(COMPLAINT_TYPES), Case.order_id))))
    query = (select(key, func.count(func.distinct(Order.id)), returns, complaints)
             .outerjoin(Case, Case.order_id == Order.id)
             .where(owner.in_(owners), Order.placed_at >= now - timedelta(days=days), key.is_not(None))
             .group_by(key))
    rows = [RateRow(str(k), str(k), int(n), int(r), int(c)) for k, n, r, c in session.execute(query)]
    labels = _labels(session, principal.role, [r.key for r in rows])
    rows = [RateRow(r.key, labels.get(r.key, r.key), r.orders, r.returns, r.complaints) for r in rows]
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
