"""Case use cases after intake: read, list, act (the lifecycle with its side effects), timeline, progress."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aftersales import keyset
from aftersales.calendars import BusinessCalendar
from aftersales.cases import effects, notices
from aftersales.cases.errors import IllegalTransition, VersionConflict
from aftersales.cases.lifecycle import (
    SETTLED,
    Action,
    State,
    Step,
    may_take,
    pauses_clocks,
    stops_resolution_clock,
    take,
)
from aftersales.cases.models import Case, CaseItem, TimelineEvent
from aftersales.cases.progress import Progress, build_progress
from aftersales.cases.schemas import ActionRequest
from aftersales.cases.visibility import get_visible, visible_to
from aftersales.clock import as_utc
from aftersales.live import service as live_service
from aftersales.orders.models import Order, OrderItem
from aftersales.problems import Forbidden, InvalidInput
from aftersales.security.principals import Principal, Role
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock

MAX_PAGE = 200


def clocks_of(session: Session, case_id: str) -> list[SlaClock]:
    return list(session.scalars(select(SlaClock).where(SlaClock.case_id == case_id).order_by(SlaClock.id)))


@dataclass(frozen=True)
class CaseFilters:
    state: str | None = None
    tier: str | None = None
    case_type: str | None = None
    party: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def list_cases(session: Session, principal: Principal, filters: CaseFilters, *, cursor: str | None,
               limit: int) -> tuple[list[Case], str | None]:
    """Newest first, keyset-paginated: a page never skips or repeats a case while new ones arrive."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit 须在 1–{MAX_PAGE} / limit must be 1–{MAX_PAGE}", field="limit")
    query = select(Case).where(visible_to(principal))
    for column, value in ((Case.state, filters.state), (Case.tier, filters.tier),
                          (Case.case_type, filters.case_type), (Case.responsible_party_id, filters.party)):
        if value is not None:
            query = query.where(column == value)
    if filters.created_from is not None:
        query = query.where(Case.created_at >= filters.created_from)
    if filters.created_to is not None:
        query = query.where(Case.created_at < filters.created_to)
    if cursor:
        stamp, case_id = keyset.decode(cursor)
        query = query.where(or_(Case.created_at < stamp, and_(Case.created_at == stamp, Case.id < case_id)))
    rows = list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)))
    next_cursor = keyset.encode(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def act(session: Session, principal: Principal, case_id: str, action_name: str, request: ActionRequest,
        now: datetime, calendar: BusinessCalendar) -> Case:
    """Take an action on a case: the lifecycle decides, side effects follow, and one commit lands it all."""
    try:
        action = Action(action_name)
    except ValueError as error:
        raise InvalidInput(f"未知操作 {action_name} / unknown action; choose one of {[a.value for a in Action]}",
                           field="action") from error
    case = get_visible(session, principal, case_id)
    if request.expected_version is not None and request.expected_version != case.version:
        raise VersionConflict(f"工单已更新到版本 {case.version}，请刷新后重试 / case is at version {case.version}",
                              current_version=case.version, current_state=case.state)
    return act_on(session, principal, case, action, request, now, calendar)


def act_on(session: Session, principal: Principal, case: Case, action: Action, request: ActionRequest,
           now: datetime, calendar: BusinessCalendar) -> Case:
    """The lifecycle's one door, for a case the caller already may act on (a carrier's parcel, say)."""
    case_id = case.id
    if not may_take(action, principal.role):
        raise Forbidden(f"角色 {principal.role.value} 无权执行 {action.value} / role {principal.role.value} may not "
                        f"{action.value}", role=principal.role.value, action=action.value)
    step = take(State(case.state), action, principal.role, group=case.order_id is None)
    if not step.allowed:
        raise IllegalTransition(
            f"工单当前状态为 {case.state}，不能执行 {action.value} / {step.reason}",
            current_state=case.state, allowed_actions=list(step.allowed_actions))
    try:
        # claim the row first: the version check (UPDATE ... WHERE version = seen) decides the race up front
        case.updated_at = now
        session.flush()
        _apply(session, case, action, step, request, principal, now, calendar)
        session.flush()
    except StaleDataError as error:
        session.rollback()
        current = session.get(Case, case_id)
        raise VersionConflict("另一位客服刚刚处理了该工单，请刷新 / another agent changed the case first",
                              current_version=current.version if current else None,
                              current_state=current.state if current else None) from error
    return case


def _apply(session: Session, case: Case, action: Action, step: Step, request: ActionRequest, principal: Principal,
           now: datetime, calendar: BusinessCalendar) -> None:
    effects.apply(session, case, action, request, principal, now, calendar)
    human = principal.role not in (Role.buyer, Role.carrier) and action is not Action.escalate
    case.state = step.to_state.value
    _announce(session, case, step, now)
    sla_service.on_state_change(session, case.id, now, calendar, settled=stops_resolution_clock(step.to_state),
                                paused=pauses_clocks(step.to_state), human_acted=human)
    session.add(TimelineEvent(
        case_id=case.id, at=now, kind="transition" if step.to_state != step.from_state else "action",
        actor_role=principal.role.value, actor_id=principal.actor_id,
        action=action.value, from_state=step.from_state.value, to_state=step.to_state.value,
        reason=request.reason or request.message or "", buyer_visible=True,
        data={k: str(v) for k, v in request.model_dump(exclude_none=True).items() if k != "expected_version"}))


def _announce(session: Session, case: Case, step: Step, now: datetime) -> None:
    """Settling a case, or asking for the parcel, is news outside: the outbox row joins this transaction."""
    if step.to_state == step.from_state:
        return
    if step.to_state in SETTLED and step.from_state not in SETTLED:
        notices.publish(session, [notices.resolved(case, notices.order_of(session, case), now)], now)
    elif step.to_state is State.awaiting_return:
        notices.publish(session, [notices.return_address(session, case, notices.order_of(session, case), now)],
                        now)


def timeline(session: Session, principal: Principal, case_id: str) -> list[TimelineEvent]:
    case = get_visible(session, principal, case_id)
    query = select(TimelineEvent).where(TimelineEvent.case_id == case.id)
    if principal.role is Role.buyer:
        query = query.where(TimelineEvent.buyer_visible.is_(True))
    return list(session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def progress(session: Session, principal: Principal, case_id: str, now: datetime,
             calendar: BusinessCalendar) -> tuple[Case, Progress]:
    case = get_visible(session, principal, case_id)
    milestones = {name: getattr(case, name) for name in (
        "created_at", "first_response_at", "return_requested_at", "return_shipped_at", "return_received_at",
        "refund_requested_at", "refunded_at", "exchanged_at", "human_response_at", "resolved_at", "closed_at")}
    # a parcel the seller received was collected, whether or not its carrier ever reported the pickup
    milestones["return_collected_at"] = case.return_collected_at or case.return_received_at
    milestones = {k: as_utc(v) if v else None for k, v in milestones.items()}
    human_due = next((as_utc(c.due_at) for c in clocks_of(session, case.id)
                      if c.kind == "human_response" and c.stopped_at is None and c.due_at), None)
    return case, build_progress(case.case_type, case.state, milestones, now, calendar, human_due)


def claims_of(session: Session, case: Case) -> list[dict[str, object]]:
    """The anchor's recorded claims for the products the case names, with offsets and whether the chain verifies."""
    order = session.get(Order, case.order_id) if case.order_id else None
    if order is None or order.live_session_id is None:
        return []
    products = session.scalars(select(OrderItem.product_id).join(CaseItem, CaseItem.order_item_id == OrderItem.id)
                               .where(CaseItem.case_id == case.id).order_by(OrderItem.line_no)).all()
    views = [view.as_dict() for product_id in dict.fromkeys(products)
             for view in live_service.claims_for(session, live_service.SoldItem(order.live_session_id, product_id))]
    return views


#: states where the next move is the service's, not the buyer's or the carrier's
ACTIONABLE = (State.submitted, State.answered, State.escalated, State.reopened, State.return_received,
              State.refund_pending, State.disputed, State.in_arbitration)


def clocks_of_many(session: Session, case_ids: list[str]) -> dict[str, list[SlaClock]]:
    found: dict[str, list[SlaClock]] = {}
    for clock in session.scalars(select(SlaClock).where(SlaClock.case_id.in_(case_ids)).order_by(SlaClock.id)):
        found.setdefault(clock.case_id, []).append(clock)
    return found


def _queue_offset(cursor: str | None) -> int:
    # the queue is re-sorted by urgency on every read, so a page is a position in it, not a keyset
    if cursor is None:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().removeprefix("q:"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("分页游标无效 / invalid cursor", field="cursor") from error
    if not 0 <= offset <= 100_000:
        raise InvalidInput("分页游标无效 / invalid cursor", field="cursor")
    return offset


def work_queue(session: Session, principal: Principal, *, mine: bool, tier: str | None, limit: int,
               cursor: str | None = None) -> tuple[list[tuple[Case, datetime | None]], str | None]:
    """What to do next: most urgent priority first, then the clock that runs out soonest."""
    offset = _queue_offset(cursor)
    next_due = (select(SlaClock.case_id, func.min(SlaClock.due_at).label("next_due"))
                .where(SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None), SlaClock.due_at.is_not(None))
                .group_by(SlaClock.case_id).subquery())
    query = (select(Case, next_due.c.next_due).outerjoin(next_due, next_due.c.case_id == Case.id)
             .where(visible_to(principal), Case.state.in_([s.value for s in ACTIONABLE])))
    if mine:
        query = query.where(Case.assigned_agent_id == principal.actor_id)
    if tier is not None:
        query = query.where(Case.tier == tier)
    query = query.order_by(Case.priority, next_due.c.next_due.is_(None), next_due.c.next_due, Case.created_at,
                           Case.id)
    rows = [(case, as_utc(due) if due else None)
            for case, due in session.execute(query.offset(offset).limit(limit + 1))]
    following = base64.urlsafe_b64encode(f"q:{offset + limit}".encode()).decode().rstrip("=") \
        if len(rows) > limit else None
    return rows[:limit], following
