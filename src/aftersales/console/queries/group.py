"""A group of cases on one production batch, live session or product (the intake's group key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.catalog.models import Batch, Product
from aftersales.clock import as_utc
from aftersales.console.queries.queue import ACTIONABLE_STATES
from aftersales.live.models import LiveSession
from aftersales.problems import NotFound

LIMIT = 500


@dataclass(frozen=True)
class GroupRow:
    case_id: str
    created_at: datetime
    state: str
    tier: str
    category: str
    emotion: str
    text: str
    assigned_agent_id: str | None


@dataclass(frozen=True)
class Group:
    key: str
    kind: str  # batch | live_session | product
    title: str
    open_count: int
    total: int
    rows: list[GroupRow]


def _describe(session: Session, key: str) -> tuple[str, str]:
    batch = session.get(Batch, key)
    if batch is not None:
        product = session.get(Product, batch.product_id)
        return "batch", f"{product.name if product else batch.product_id} · {batch.batch_no}"
    live = session.get(LiveSession, key)
    if live is not None:
        return "live_session", live.title
    product = session.get(Product, key)
    if product is not None:
        return "product", product.name
    return "unknown", key


def group_size(session: Session, key: str | None) -> int:
    if not key:
        return 0
    return int(session.scalar(select(func.count()).where(Case.group_key == key,
                                                          Case.state.in_(ACTIONABLE_STATES))) or 0)


def load_group(session: Session, key: str, now: datetime) -> Group:
    total = int(session.scalar(select(func.count()).where(Case.group_key == key)) or 0)
    if total == 0:
        raise NotFound(f"没有这一组工单 / no cases in group {key}")
    kind, title = _describe(session, key)
    rows = [GroupRow(r.id, as_utc(r.created_at), r.state, r.tier, r.category, r.emotion, r.text[:120],
                     r.assigned_agent_id)
            for r in session.execute(
                select(Case.id, Case.created_at, Case.state, Case.tier, Case.category, Case.emotion, Case.text,
                       Case.assigned_agent_id)
                .where(Case.group_key == key, Case.state.in_(ACTIONABLE_STATES))
                .order_by(Case.created_at.desc()).limit(LIMIT))]
    return Group(key=key, kind=kind, title=title, open_count=len(rows), total=total, rows=rows)
