"""The agent's work queue: cases whose clock runs out soonest first, then priority (angry and L3 first).

The query walks running SLA clocks in deadline order (partial index ix_sla_clocks_running_due) and stops after
one page, so its cost follows the page size, not the number of open cases.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, null, or_, select
from sqlalchemy.orm import Session, aliased

from aftersales.cases.models import Case
from aftersales.cases.service import ACTIONABLE
from aftersales.clock import as_utc
from aftersales.problems import InvalidInput
from aftersales.security.principals import Principal
from aftersales.sla.models import SlaClock

VIEWS = ("all", "soon", "overdue", "mine", "angry")
SOON = timedelta(minutes=15)
PAGE = 50
ACTIONABLE_STATES = tuple(state.value for state in ACTIONABLE)


@dataclass(frozen=True)
class QueueFilter:
    view: str = "all"
    tier: str | None = None
    case_type: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidInput(f"未知视图 / unknown view {self.view!r}", field="view")

    def query_string(self) -> str:
        pairs = [("view", self.view), ("tier", self.tier), ("type", self.case_type), ("category", self.category)]
        return "&".join(f"{k}={v}" for k, v in pairs if v)


@dataclass(frozen=True)
class QueueRow:
    case_id: str
    version: int
    created_at: datetime
    state: str
    tier: str
    priority: int
    case_type: str
    category: str
    emotion: str
    text: str
    risk_flags: list[str]
    assigned_agent_id: str | None
    responsible_kind: str | None
    group_key: str | None
    due_at: datetime | None
    clock_kind: str | None


_COLUMNS = (Case.id, Case.version, Case.created_at, Case.state, Case.tier, Case.priority, Case.case_type,
            Case.category, Case.emotion, Case.text, Case.risk_flags, Case.assigned_agent_id, Case.responsible_kind,
            Case.group_key)


def _case_filters(principal: Principal, filters: QueueFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Case.state.in_(ACTIONABLE_STATES)]
    if filters.view == "mine":
        conditions.append(Case.assigned_agent_id == (principal.actor_id or ""))
    if filters.view == "angry":
        conditions.append(Case.emotion == "angry")
    for column, value in ((Case.tier, filters.tier), (Case.case_type, filters.case_type),
                          (Case.category, filters.category)):
        if value:
            conditions.append(column == value)
    return conditions


def encode_after(row: QueueRow) -> str:
    raw = f"{as_utc(row.due_at).isoformat() if row.due_at else ''}|{row.priority}|{row.case_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_after(token: str) -> tuple[datetime, int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, priority, case_id = raw.split("|", 2)
        return datetime.fromisoformat(stamp), int(priority), case_id
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("翻页标记无效 / invalid page marker", field="after") from error


def clocked_page(session: Session, principal: Principal, filters: QueueFilter, now: datetime, *,
                 limit: int = PAGE, after: str | None = None) -> list[QueueRow]:
    """One page of cases with a running clock, each at its soonest deadline."""
    other = aliased(SlaClock)
    # the case's soonest running clock, and of two due at the same moment the first: each case appears once
    earlier = exists().where(other.case_id == SlaClock.case_id, other.stopped_at.is_(None), or_(
        other.due_at < SlaClock.due_at, and_(other.due_at == SlaClock.due_at, other.id < SlaClock.id)))
    query = (select(*_COLUMNS, SlaClock.due_at, SlaClock.kind)
             .join_from(SlaClock, Case, Case.id == SlaClock.case_id)
             .where(SlaClock.stopped_at.is_(None), SlaClock.due_at.is_not(None), ~earlier,
                    *_case_filters(principal, filters)))
    if filters.view == "soon":
        query = query.where(SlaClock.due_at >= now, SlaClock.due_at < now + SOON)
    elif filters.view == "overdue":
        query = query.where(SlaClock.due_at < now)
    if after:
        due, priority, case_id = decode_after(after)
        query = query.where(or_(SlaClock.due_at > due, and_(SlaClock.due_at == due, or_(
            Case.priority > priority, and_(Case.priority == priority, Case.id > case_id)))))
    query = query.order_by(SlaClock.due_at, Case.priority, Case.id).limit(limit)
    return [_row(r) for r in session.execute(query)]


def unclocked_page(session: Session, principal: Principal, filters: QueueFilter, *, limit: int) -> list[QueueRow]:
    """Open cases with no running clock (all met or paused), after the clocked ones: priority, then age."""
    if filters.view in ("soon", "overdue") or limit <= 0:
        return []
    running = exists().where(SlaClock.case_id == Case.id, SlaClock.stopped_at.is_(None),
                             SlaClock.due_at.is_not(None))
    query = (select(*_COLUMNS, null().label("due_at"), null().label("kind")).where(~running, *_case_filters(principal, filters))
             .order_by(Case.priority, Case.created_at, Case.id).limit(limit))
    return [_row(r) for r in session.execute(query)]


def _row(r: Row[Any] | Any) -> QueueRow:
    return QueueRow(case_id=r.id, version=r.version, created_at=as_utc(r.created_at), state=r.state, tier=r.tier,
                    priority=r.priority, case_type=r.case_type, category=r.category, emotion=r.emotion,
                    text=r.text[:140], risk_flags=list(r.risk_flags or []), assigned_agent_id=r.assigned_agent_id,
                    responsible_kind=r.responsible_kind, group_key=r.group_key,
                    due_at=as_utc(r.due_at) if r.due_at else None, clock_kind=r.kind)


def queue_page(session: Session, principal: Principal, filters: QueueFilter, now: datetime, *,
               limit: int = PAGE, after: str | None = None) -> tuple[list[QueueRow], str | None]:
    """A page of the queue and the marker of the next page (None at the end)."""
    rows = clocked_page(session, principal, filters, now, limit=limit + 1, after=after)
    if len(rows) > limit:
        return rows[:limit], encode_after(rows[limit - 1])
    if after is None:
        rows += unclocked_page(session, principal, filters, limit=limit - len(rows))
    return rows, None
