"""The agent's work queue: cases whose clock runs out soonest first, then priority (angry and L3 first).

The query walks running SLA clocks in deadline order (partial index ix_sla_clocks_running_due) and stops after
one page, so its cost follows the page size, not the number of open cases.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, or_, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.cases.service import ACTIONABLE
from aftersales.cases.visibility import can_see, visible_to
from aftersales.clock import as_utc
from aftersales.problems import InvalidInput
from aftersales.security.principals import Principal
from aftersales.sla.models import SlaClock

VIEWS = ("all", "soon", "overdue", "mine", "angry")
SOON = timedelta(minutes=15)
PAGE = 50
#: running clocks read per round trip, and at most per page (a filter matching few cases stops there)
BATCH = 400
MAX_SCAN = 8_000
#: an agent's own open cases are read whole (an agent holds tens, not thousands)
MAX_MINE = 2_000
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


_COLUMNS = (Case.id, Case.group_id, Case.version, Case.created_at, Case.state, Case.tier, Case.priority, Case.case_type,
            Case.category, Case.emotion, Case.text, Case.risk_flags, Case.assigned_agent_id, Case.responsible_kind,
            Case.group_key)


def _case_filters(principal: Principal, filters: QueueFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Case.state.in_(ACTIONABLE_STATES), visible_to(principal)]
    if filters.view == "mine":
        conditions.append(Case.assigned_agent_id == (principal.actor_id or ""))
    if filters.view == "angry":
        conditions.append(Case.emotion == "angry")
    for column, value in ((Case.tier, filters.tier), (Case.case_type, filters.case_type),
                          (Case.category, filters.category)):
        if value:
            conditions.append(column == value)
    return conditions


Marker = tuple[datetime, int]


def encode_after(position: Marker) -> str:
    raw = f"{as_utc(position[0]).isoformat()}|{position[1]}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_after(token: str) -> Marker:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, clock_id = raw.split("|", 1)
        return as_utc(datetime.fromisoformat(stamp)), int(clock_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("翻页标记无效 / invalid page marker", field="after") from error


def _clock_batch(session: Session, filters: QueueFilter, now: datetime, after: Marker | None,
                 size: int) -> list[Row[Any]]:
    """Running clocks in deadline order, straight off the partial index ix_sla_clocks_running_due."""
    query = select(SlaClock.case_id, SlaClock.due_at, SlaClock.id, SlaClock.kind).where(
        SlaClock.stopped_at.is_(None), SlaClock.due_at.is_not(None))
    if filters.view == "soon":
        query = query.where(SlaClock.due_at >= now, SlaClock.due_at < now + SOON)
    elif filters.view == "overdue":
        query = query.where(SlaClock.due_at < now)
    if after is not None:
        query = query.where(or_(SlaClock.due_at > after[0], and_(SlaClock.due_at == after[0],
                                                                  SlaClock.id > after[1])))
    return list(session.execute(query.order_by(SlaClock.due_at, SlaClock.id).limit(size)))


def _soonest_of(session: Session, case_ids: set[str]) -> dict[str, Marker]:
    """Each case's soonest running clock (of two due at once, the first): a case is listed once, at it."""
    best: dict[str, Marker] = {}
    rows = session.execute(select(SlaClock.case_id, SlaClock.due_at, SlaClock.id).where(
        SlaClock.case_id.in_(case_ids), SlaClock.stopped_at.is_(None), SlaClock.due_at.is_not(None)))
    for case_id, due, clock_id in rows:
        if due is None:
            continue
        position = (as_utc(due), clock_id)
        if case_id not in best or position < best[case_id]:
            best[case_id] = position
    return best


def _matches(principal: Principal, filters: QueueFilter, row: Any) -> bool:
    """_case_filters as a test on one row."""
    wanted = (("tier", filters.tier), ("case_type", filters.case_type), ("category", filters.category))
    return (row.state in ACTIONABLE_STATES and all(not v or getattr(row, k) == v for k, v in wanted)
            and (principal.is_staff or can_see(principal, row))
            and (filters.view != "angry" or row.emotion == "angry")
            and (filters.view != "mine" or row.assigned_agent_id == (principal.actor_id or "")))


def _cases(session: Session, principal: Principal, filters: QueueFilter, case_ids: set[str]) -> dict[str, Any]:
    # by primary key only, filtered here: given "state IN (...)" as well, a planner may walk the state index
    # through every open case instead of fetching these few hundred
    rows = session.execute(select(*_COLUMNS).where(Case.id.in_(case_ids)))
    return {row.id: row for row in rows if _matches(principal, filters, row)}


def clocked_page(session: Session, principal: Principal, filters: QueueFilter, now: datetime, *,
                 limit: int = PAGE, after: str | None = None) -> tuple[list[QueueRow], str | None]:
    """Walk running clocks in deadline order a batch at a time, keep each case at its soonest clock, stop at a
    page. A very selective filter stops after MAX_SCAN clocks and hands back a marker to continue from."""
    rows: list[tuple[Marker, QueueRow]] = []
    position = decode_after(after) if after else None
    scanned, size = 0, 2 * limit  # most pages fill from the first few dozen clocks; widen only when they do not
    while scanned < MAX_SCAN:
        batch = _clock_batch(session, filters, now, position, size)
        if not batch:
            return _ordered(rows), None
        scanned += len(batch)
        soonest = _soonest_of(session, {c.case_id for c in batch})
        cases = _cases(session, principal, filters, set(soonest))
        for clock in batch:
            mark = (as_utc(clock.due_at), clock.id)
            if soonest.get(clock.case_id) == mark and clock.case_id in cases:
                rows.append((mark, _row(cases[clock.case_id], mark[0], clock.kind)))
                if len(rows) == limit:
                    return _ordered(rows), encode_after(mark)
        position = (as_utc(batch[-1].due_at), batch[-1].id)
        if len(batch) < size:
            return _ordered(rows), None
        size = min(2 * size, BATCH)
    return _ordered(rows), encode_after(position) if position else None


def _ordered(rows: list[tuple[Marker, QueueRow]]) -> list[QueueRow]:
    """Deadline order; cases due at the very same moment go by priority (angry and L3 first)."""
    return [row for _, row in sorted(rows, key=lambda item: (item[0][0], item[1].priority, item[0][1]))]


def mine_page(session: Session, principal: Principal, filters: QueueFilter, *, limit: int = PAGE,
              after: str | None = None) -> tuple[list[QueueRow], str | None]:
    """An agent's own cases, read from the assignment index and sorted here: an agent holds tens of open cases
    (at most MAX_MINE are considered), so their deadlines are cheaper to compare than to walk every clock for."""
    own = {row.id: row for row in session.execute(
        select(Case.id, Case.priority, Case.created_at).where(*_case_filters(principal, filters)).limit(MAX_MINE))}
    soonest = _soonest_of(session, set(own)) if own else {}
    clocked = sorted(((soonest[c], c) for c in own if c in soonest),
                     key=lambda item: (item[0][0], own[item[1]].priority, item[0][1]))
    if after:
        start = decode_after(after)
        clocked = [item for item in clocked if item[0] > start]
    chosen = clocked[:limit]
    rest = [] if after or len(clocked) > limit else sorted(
        set(own) - set(soonest), key=lambda c: (own[c].priority, own[c].created_at))[:limit - len(chosen)]
    rows = {row.id: row for row in session.execute(
        select(*_COLUMNS).where(Case.id.in_([c for _, c in chosen] + rest)))}
    page = [_row(rows[c], mark[0], None) for mark, c in chosen] + [_row(rows[c], None, None) for c in rest]
    return page, encode_after(chosen[-1][0]) if len(clocked) > limit else None


def unclocked_page(session: Session, principal: Principal, filters: QueueFilter, *, limit: int) -> list[QueueRow]:
    """Open cases with no running clock (all met or paused), after the clocked ones: priority, then age."""
    if filters.view in ("soon", "overdue") or limit <= 0:
        return []
    running = exists().where(SlaClock.case_id == Case.id, SlaClock.stopped_at.is_(None),
                             SlaClock.due_at.is_not(None))
    query = (select(*_COLUMNS).where(~running, *_case_filters(principal, filters))
             .order_by(Case.priority, Case.created_at, Case.id).limit(limit))
    return [_row(r, None, None) for r in session.execute(query)]


def _row(r: Any, due_at: datetime | None, clock_kind: str | None) -> QueueRow:
    return QueueRow(case_id=r.id, version=r.version, created_at=as_utc(r.created_at), state=r.state, tier=r.tier,
                    priority=r.priority, case_type=r.case_type, category=r.category, emotion=r.emotion,
                    text=r.text[:140], risk_flags=list(r.risk_flags or []), assigned_agent_id=r.assigned_agent_id,
                    responsible_kind=r.responsible_kind, group_key=r.group_key, due_at=due_at,
                    clock_kind=clock_kind)


def queue_page(session: Session, principal: Principal, filters: QueueFilter, now: datetime, *,
               limit: int = PAGE, after: str | None = None) -> tuple[list[QueueRow], str | None]:
    """A page of the queue and the marker of the next page (None at the end)."""
    if filters.view == "mine":
        return mine_page(session, principal, filters, limit=limit, after=after)
    rows, marker = clocked_page(session, principal, filters, now, limit=limit, after=after)
    if marker is None and after is None:
        rows += unclocked_page(session, principal, filters, limit=limit - len(rows))
    return rows, marker
