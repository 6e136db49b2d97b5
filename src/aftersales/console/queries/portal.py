"""A brand's, anchor's or MCN's own view: the cases routed to it, and return and complaint rates per production
batch (brand, over order lines), per live session (anchor) or per anchor (MCN) — only over its own orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.cases.visibility import visible_to
from aftersales.parties.models import Party
from aftersales.risk import traceability
from aftersales.security.principals import Principal, Role

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


#: the rate a partner watches: a brand per production batch, an anchor per live session, an MCN per anchor
RATE_DIMENSION = {Role.brand: "batch", Role.anchor: "session", Role.mcn: "anchor"}


def rates(session: Session, principal: Principal, now: datetime, days: int = WINDOW_DAYS) -> list[RateRow]:
    """Return and complaint rates over the last `days` of orders (risk.traceability, scoped to the caller),
    worst return rate first."""
    if principal.role not in RATE_DIMENSION:  # a carrier: its cases, no sales of its own to rate
        return []
    found = traceability.rates(session, principal, by=RATE_DIMENSION[principal.role],
                               start=now - timedelta(days=days), end=now)
    rows = [RateRow(r.key, r.name or r.key, r.orders, len(r.returns), len(r.complaints)) for r in found]
    return sorted(rows, key=lambda r: (-(r.return_rate or 0), -r.orders))


def own_subjects(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The (subject type, id) pairs of the health index this party may see: its own, and an MCN's anchors."""
    kind = principal.role.value
    own = sorted(principal.party_ids)
    party_kinds = dict(session.execute(select(Party.id, Party.kind).where(Party.id.in_(own))).all())
    evaluated = ("brand", "shop", "anchor", "mcn")
    return [(party_kinds.get(p) or kind, p) for p in own if (party_kinds.get(p) or kind) in evaluated]
