"""Opening cases: many concurrent requests triaged, decided and committed together in one transaction.

Group commit is what lets SQLite keep up with a live-stream peak: one fsync and one triage matrix product
serve a whole batch, and each caller is answered only after the commit that holds its case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.calendars import BusinessCalendar
from aftersales.cases import intake_rows
from aftersales.cases.adjudication import adjudicate
from aftersales.cases.assignment import SeniorPool
from aftersales.cases.errors import IdempotencyMismatch
from aftersales.cases.intake_context import load_order_facts
from aftersales.cases.models import Case, CaseMessage, TimelineEvent
from aftersales.cases.schemas import CaseCreate
from aftersales.orders.models import Order
from aftersales.policy.service import load_rules
from aftersales.problems import DomainError, InvalidInput
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import pick_policy
from aftersales.sla.tiering import GROUP_COMPLAINT_WINDOW_HOURS, decide_tier
from aftersales.triage.service import LOW_CONFIDENCE, assess_many

log = logging.getLogger(__name__)
#: every column unset, built once: the answer view of each new case starts from these
_BLANK_CASE: dict[str, None] = {column.name: None for column in Case.__table__.columns}
_BLANK_CLOCK: dict[str, None] = {column.name: None for column in SlaClock.__table__.columns}


@dataclass(frozen=True)
class IntakeRequest:
    buyer_id: str
    payload: CaseCreate
    idempotency_key: str | None
    actor_role: str


@dataclass
class IntakeOutcome:
    case: Any = None  # the stored Case (a replay) or a view of the rows just inserted
    clocks: list[Any] = field(default_factory=list)
    replayed: bool = False
    error: DomainError | None = None


def prepare(payload: CaseCreate, *, buyer_id: str, idempotency_key: str | None, actor_role: str) -> IntakeRequest:
    """Checks that need no database, done in the request before it joins a batch."""
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 100):
        raise InvalidInput("Idempotency-Key 长度须为1–100 / Idempotency-Key must be 1–100 characters",
                           field="Idempotency-Key")
    return IntakeRequest(buyer_id=buyer_id, payload=payload, idempotency_key=idempotency_key, actor_role=actor_role)


def group_key(order: Order) -> str:
    return order.batch_id or order.live_session_id or order.product_id


def commit_batch(session: Session, requests: Sequence[IntakeRequest], now: datetime,
                 calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Validate, triage, decide and insert a batch of new cases in the session's transaction (the caller commits)."""
    orders = {o.id: o for o in session.scalars(
        select(Order).where(Order.id.in_({r.payload.order_id for r in requests})))}
    existing = _existing_by_key(session, requests)
    assessments = assess_many([r.payload.text for r in requests],
                              case_types=[r.payload.case_type.value for r in requests])
    order_facts = load_order_facts(session, orders.values())
    similar = _similar_recent_counts(session, {(group_key(orders[r.payload.order_id]), a.category)
                                               for r, a in zip(requests, assessments, strict=True)
                                               if r.payload.order_id in orders}, now)
    seniors, matrix, book = SeniorPool(session), sla_service.load_matrix(session), load_rules()
    rows = intake_rows.Rows()
    outcomes: list[IntakeOutcome] = []
    fresh: dict[tuple[str, str], IntakeOutcome] = {}
    for request, assessment in zip(requests, assessments, strict=True):
        key = (request.buyer_id, request.idempotency_key) if request.idempotency_key else None
        if key and (key in existing or key in fresh):
            outcomes.append(_replay(session, existing.get(key), fresh.get(key), request))
            continue
        order = orders.get(request.payload.order_id)
        problem = _order_problem(order, request)
        if problem is not None or order is None:
            outcomes.append(IntakeOutcome(error=problem))
            continue
        gathered = (group_key(order), assessment.category)
        similar[gathered] = similar.get(gathered, 0) + 1
        outcome = _build(request, order, assessment, order_facts[order.id], similar[gathered], now, calendar,
                         matrix, book, seniors, rows)
        if key:
            fresh[key] = outcome
        outcomes.append(outcome)
    for table, batch in ((Case.__table__, rows.cases), (SlaClock.__table__, rows.clocks),
                         (TimelineEvent.__table__, rows.timeline), (CaseMessage.__table__, rows.messages)):
        if batch:
            session.execute(insert(table), batch)  # type: ignore[arg-type]
    return outcomes


def _order_problem(order: Order | None, request: IntakeRequest) -> DomainError | None:
    if order is None or order.buyer_id != request.buyer_id:
        return InvalidInput("订单不存在或不属于该买家 / no such order for this buyer", field="order_id")
    requested = request.payload.requested_amount
    if requested is not None and requested > order.amount:
        return InvalidInput(f"申请金额超过实付金额 {order.amount} / requested amount exceeds the {order.amount} paid",
                            field="requested_amount")
    return None


def _existing_by_key(session: Session, requests: Sequence[IntakeRequest]) -> dict[tuple[str, str], Case]:
    keys = {(r.buyer_id, r.idempotency_key) for r in requests if r.idempotency_key}
    if not keys:
        return {}
    # two plain IN lists use the (buyer_id, idempotency_key) index; a row-value IN makes SQLite scan the table
    found = session.scalars(select(Case).where(Case.buyer_id.in_({b for b, _ in keys}),
                                               Case.idempotency_key.in_({k for _, k in keys})))
    return {pair: case for case in found if (pair := (case.buyer_id, case.idempotency_key or "")) in keys}


def _replay(session: Session, stored: Case | None, fresh: IntakeOutcome | None,
            request: IntakeRequest) -> IntakeOutcome:
    if fresh is not None:  # the same key twice in one batch: the second caller gets the first's case
        case, clocks = fresh.case, fresh.clocks
    else:
        assert stored is not None
        case = stored
        clocks = list(session.scalars(select(SlaClock).where(SlaClock.case_id == stored.id)))
    if case.order_id != request.payload.order_id or case.case_type != request.payload.case_type.value:
        return IntakeOutcome(error=IdempotencyMismatch(
            f"该幂等键已用于工单 {case.id}（订单 {case.order_id}） / this key already opened case {case.id}",
            field="Idempotency-Key", case_id=case.id))
    return IntakeOutcome(case=case, clocks=clocks, replayed=True)


def _similar_recent_counts(session: Session, groups: set[tuple[str, str]], now: datetime) -> dict[tuple[str, str], int]:
    """Similar cases per (batch/session/product, class) in the window: one indexed read for the whole batch."""
    if not groups:
        return {}
    cases = Case.__table__.c
    rows = session.execute(
        select(cases.group_key, cases.category, func.count())
        .where(cases.group_key.in_({g for g, _ in groups}), cases.category.in_({c for _, c in groups}),
               cases.created_at >= now - timedelta(hours=GROUP_COMPLAINT_WINDOW_HOURS))
        .group_by(cases.group_key, cases.category))
    return {(g, c): n for g, c, n in rows if (g, c) in groups}


def _build(request: IntakeRequest, order: Order, assessment: Any, facts: Any, similar: int, now: datetime,
           calendar: BusinessCalendar, matrix: Any, book: Any, seniors: SeniorPool,
           rows: intake_rows.Rows) -> IntakeOutcome:
    payload = request.payload
    tier = decide_tier(case_type=payload.case_type.value, category=assessment.category, emotion=assessment.emotion,
                       emotion_intensity=assessment.emotion_intensity,
                       confidence=assessment.confidence, risk_flags=assessment.risk_flags,
                       low_confidence=LOW_CONFIDENCE, similar_recent_cases=similar)
    judged = adjudicate(order=facts, case_type=payload.case_type.value, text=payload.text, assessment=assessment,
                        item_state=payload.item_state, evidence=payload.evidence, now=now, tier=tier.tier, book=book)
    senior = seniors.take() if tier.senior_required and not judged.ai_settles else None
    case = intake_rows.case_row(buyer_id=request.buyer_id, order_id=order.id, group_key=group_key(order),
                                idempotency_key=request.idempotency_key, payload=payload, assessment=assessment,
                                tier=tier, judged=judged, assigned_agent_id=senior, now=now)
    clocks = intake_rows.clock_rows(case, pick_policy(matrix, tier.tier, payload.case_type.value, tier.priority),
                                    now, calendar)
    rows.cases.append(case)
    rows.clocks.extend(clocks)
    rows.timeline.extend(intake_rows.timeline_rows(case, actor_role=request.actor_role, assessment=assessment,
                                                   tier=tier, judged=judged, order_id=order.id))
    rows.messages.extend(intake_rows.message_rows(case))
    return IntakeOutcome(case=intake_rows.as_view(case, _BLANK_CASE),
                         clocks=[intake_rows.as_view(c, _BLANK_CLOCK) for c in clocks])


def open_cases(factory: sessionmaker[Session], requests: Sequence[IntakeRequest], now: datetime,
               calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Commit a batch; if it fails as a whole, commit each request on its own so one bad case fails alone."""
    try:
        with factory() as session:
            outcomes = commit_batch(session, requests, now, calendar)
            session.commit()
            return outcomes
    except IntegrityError:
        if len(requests) == 1:
            # another process committed the same idempotency key first: answer with its case
            with factory() as session:
                return commit_batch(session, requests, now, calendar)
        log.info("batch of %d hit a uniqueness race; committing one by one", len(requests))
    except Exception:
        if len(requests) == 1:
            raise
        log.exception("batch of %d failed; committing one by one", len(requests))
    return [open_cases(factory, [r], now, calendar)[0] for r in requests]
