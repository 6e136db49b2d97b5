"""Flagged buyers: a historic return rate above 30 % over enough orders offers a dedicated channel (专属通道).

A flag routes a buyer's cases to agents who know their history; it never changes a decision (the policy
engine does not read it), so an eligible return is approved for a flagged buyer as for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.orders.models import Order
from aftersales.parties.models import BuyerFlag
from aftersales.risk.traceability import RETURN_TYPES

RETURN_RATE = 0.30
MIN_ORDERS = 5


def flags(orders: int, returns: int) -> bool:
    """Above 30 % of at least five orders: a rate from fewer orders says little about the buyer."""
    return orders >= MIN_ORDERS and returns / orders > RETURN_RATE


@dataclass
class RefreshReport:
    buyers: int = 0
    flagged: int = 0
    unflagged: int = 0


def refresh(session: Session, now: datetime) -> RefreshReport:
    """Recompute every buyer's return rate (orders with a return case / orders) and their flag."""
    report = RefreshReport()
    orders = dict(session.execute(select(Order.buyer_id, func.count()).group_by(Order.buyer_id)
                                  .having(func.count() >= MIN_ORDERS)).all())
    returned = dict(session.execute(
        select(Case.buyer_id, func.count(func.distinct(Case.order_id)))
        .where(Case.case_type.in_(RETURN_TYPES), Case.buyer_id.in_(list(orders)) if orders else Case.id.is_(None))
        .group_by(Case.buyer_id)).all()) if orders else {}
    stored = {f.buyer_id: f for f in session.scalars(select(BuyerFlag))}
    for buyer_id, count in orders.items():
        returns = int(returned.get(buyer_id, 0))
        flag = stored.get(buyer_id) or BuyerFlag(buyer_id=buyer_id, flagged=False, channel="dedicated")
        now_flagged = flags(int(count), returns)
        if now_flagged and not flag.flagged:
            flag.flagged_at = now
            report.flagged += 1
        elif flag.flagged and not now_flagged:
            report.unflagged += 1
        flag.orders, flag.returns, flag.return_rate = int(count), returns, returns / int(count)
        flag.flagged, flag.updated_at = now_flagged, now
        if buyer_id not in stored:
            session.add(flag)
        report.buyers += 1
    return report


def flagged(session: Session, limit: int) -> list[BuyerFlag]:
    return list(session.scalars(select(BuyerFlag).where(BuyerFlag.flagged.is_(True))
                                .order_by(BuyerFlag.return_rate.desc(), BuyerFlag.buyer_id).limit(limit)))
