"""Opening cases: triage in the request, then many requests' writes committed in one transaction.

Group commit is what lets SQLite keep up with a live-stream peak: one fsync serves a whole batch, and each
caller is answered only after the commit that holds its case.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.cases.adjudication import OrderFacts, adjudicate
from aftersales.cases.assignment import SeniorPool
from aftersales.cases.errors import IdempotencyMismatch
from aftersales.cases.intake_context import load_order_facts
from aftersales.cases.lifecycle import State
from aftersales.cases.models import Case, CaseMessage, TimelineEvent
from aftersales.cases.schemas import CaseCreate
from aftersales.clock import Clock
from aftersales.ids import new_id
from aftersales.orders.models import Order
from aftersales.problems import DomainError, InvalidInput
from aftersales.sla import service as sla_service
from aftersales.sla.calendar import BusinessCalendar
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import pick_policy
from aftersales.sla.tiering import GROUP_COMPLAINT_WINDOW_HOURS, decide_tier
from aftersales.triage.service import LOW_CONFIDENCE, assess

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeRequest:
    buyer_id: str
    payload: CaseCreate
    idempotency_key: str | None
    assessment: Any  # triage.assessment.TriageAssessment
    actor_role: str


@dataclass
class IntakeOutcome:
    case: Case | None = None
    clocks: list[SlaClock] = field(default_factory=list)
    replayed: bool = False
    error: DomainError | None = None


def prepare(payload: CaseCreate, *, buyer_id: str, idempotency_key: str | None, actor_role: str) -> IntakeRequest:
    """The CPU part of intake, done in the request before it joins a batch."""
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 100):
        raise InvalidInput("Idempotency-Key 长度须为1–100 / Idempotency-Key must be 1–100 characters",
                           field="Idempotency-Key")
    assessment = assess(payload.text, case_type=payload.case_type.value)
    return IntakeRequest(buyer_id=buyer_id, payload=payload, idempotency_key=idempotency_key,
                         assessment=assessment, actor_role=actor_role)


def commit_batch(session: Session, requests: Sequence[IntakeRequest], now: datetime,
                 calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Validate, decide and insert a batch of new cases in the session's transaction (the caller commits)."""
    orders = {o.id: o for o in session.scalars(
        select(Order).where(Order.id.in_({r.payload.order_id for r in requests})))}
    existing = _existing_by_key(session, requests)
    similar = _similar_recent_counts(session, orders.values(), now)
    order_facts = load_order_facts(session, orders.values())
    seniors = SeniorPool(session)
    matrix = sla_service.load_matrix(session)
    outcomes: list[IntakeOutcome] = []
    fresh: dict[tuple[str, str], IntakeOutcome] = {}
    case_rows: list[dict[str, Any]] = []
    clock_rows: list[dict[str, Any]] = []
    timeline_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    for request in requests:
        key = (request.buyer_id, request.idempotency_key) if request.idempotency_key else None
        if key and (key in existing or key in fresh):
            outcomes.append(_replay(existing.get(key) or fresh[key].case, request, session))
            continue
        order = orders.get(request.payload.order_id)
        if order is None or order.buyer_id != request.buyer_id:
            outcomes.append(IntakeOutcome(error=InvalidInput(
                "订单不存在或不属于该买家 / no such order for this buyer", field="order_id")))
            continue
        if request.payload.requested_amount is not None and request.payload.requested_amount > order.amount:
            outcomes.append(IntakeOutcome(error=InvalidInput(
                f"申请金额超过实付金额 {order.amount} / requested amount exceeds the {order.amount} paid",
                field="requested_amount")))
            continue
        group_key = (order.batch_id or order.live_session_id or order.product_id, request.assessment.category)
        outcome = _build(request, order, order_facts[order.id], now, calendar, matrix, similar.get(group_key, 0),
                         seniors, case_rows, clock_rows, timeline_rows, message_rows)
        if key:
            fresh[key] = outcome
        outcomes.append(outcome)
    for table, rows in ((Case.__table__, case_rows), (SlaClock.__table__, clock_rows),
                        (TimelineEvent.__table__, timeline_rows), (CaseMessage.__table__, message_rows)):
        if rows:
            session.execute(insert(table), rows)  # type: ignore[arg-type]
    return outcomes


def _existing_by_key(session: Session, requests: Sequence[IntakeRequest]) -> dict[tuple[str, str], Case]:
    keys = {(r.buyer_id, r.idempotency_key) for r in requests if r.idempotency_key}
    if not keys:
        return {}
    found = session.scalars(select(Case).where(tuple_(Case.buyer_id, Case.idempotency_key).in_(list(keys))))
    return {(c.buyer_id, c.idempotency_key or ""): c for c in found}


def _replay(case: Case | None, request: IntakeRequest, session: Session) -> IntakeOutcome:
    assert case is not None
    if case.order_id != request.payload.order_id or case.case_type != request.payload.case_type.value:
        return IntakeOutcome(error=IdempotencyMismatch(
            f"该幂等键已用于工单 {case.id}（订单 {case.order_id}） / this key already opened case {case.id}",
            field="Idempotency-Key", case_id=case.id))
    clocks = list(session.scalars(select(SlaClock).where(SlaClock.case_id == case.id))) if case in session else []
    return IntakeOutcome(case=case, clocks=clocks, replayed=True)


def _similar_recent_counts(session: Session, orders: Any, now: datetime) -> dict[tuple[str, str], int]:
    """Open cases per batch (or live session, or product) and class in the group-complaint window."""
    orders = list(orders)
    if not orders:
        return {}
    since = now - timedelta(hours=GROUP_COMPLAINT_WINDOW_HOURS)
    group = func.coalesce(Order.batch_id, Order.live_session_id, Order.product_id)
    wanted = {o.batch_id or o.live_session_id or o.product_id for o in orders}
    rows = session.execute(
        select(group, Case.category, func.count()).join(Order, Order.id == Case.order_id)
        .where(Case.created_at >= since, group.in_(wanted)).group_by(group, Case.category))
    return {(g, c): n for g, c, n in rows}


def _build(request: IntakeRequest, order: Order, facts: OrderFacts, now: datetime, calendar: BusinessCalendar,
           matrix: Any,
           similar: int, seniors: SeniorPool, case_rows: list[dict[str, Any]], clock_rows: list[dict[str, Any]],
           timeline_rows: list[dict[str, Any]], message_rows: list[dict[str, Any]]) -> IntakeOutcome:
    a = request.assessment
    payload = request.payload
    tier = decide_tier(case_type=payload.case_type.value, category=a.category, emotion=a.emotion,
                       confidence=a.confidence, risk_flags=a.risk_flags, low_confidence=LOW_CONFIDENCE,
                       similar_recent_cases=similar + 1)
    judged = adjudicate(order=facts, case_type=payload.case_type.value, text=payload.text, assessment=a,
                        item_state=payload.item_state, evidence=payload.evidence, now=now, tier=tier.tier)
    case_id = new_id("CS")
    row = dict(
        id=case_id, order_id=order.id, buyer_id=request.buyer_id, idempotency_key=request.idempotency_key,
        case_type=payload.case_type.value, state=State.answered.value, tier=tier.tier, priority=tier.priority,
        version=1, text=payload.text, attachments=list(payload.attachments),
        requested_amount=payload.requested_amount, refund_amount=None, category=a.category,
        categories={k: round(float(v), 4) for k, v in a.categories.items()}, emotion=a.emotion,
        confidence=float(a.confidence), risk_flags=list(a.risk_flags), symptoms=list(a.symptoms),
        triage_model=a.model_version, confirmed_category=None, answer_zh=judged.answer_zh,
        answer_en=judged.answer_en,
        soothing_zh=a.soothing_zh, soothing_en=a.soothing_en, senior_required=tier.senior_required,
        ai_resolved=judged.ai_settles is not None, decision=judged.decision, responsible_party_id=judged.party_id,
        responsible_kind=judged.party_kind, handoff_count=0,
        assigned_agent_id=seniors.take() if tier.senior_required and not judged.ai_settles else None, created_at=now,
        updated_at=now, first_response_at=now,
    )
    settle_by_ai(row, judged.ai_settles, now)
    case_rows.append(row)
    policy = pick_policy(matrix, tier.tier, payload.case_type.value, tier.priority)
    clocks = []
    for state in sla_service.initial_clock_states(policy, now, calendar, answered_at_once=True):
        state = sla_service.settle_clock(state, State(row["state"]), now, calendar)
        clock = SlaClock(case_id=case_id, policy_id=policy.id)
        sla_service.apply_state(clock, state)
        clocks.append(clock)
        clock_rows.append({"case_id": case_id, "policy_id": policy.id,
                           **{name: getattr(state, name) for name in sla_service.CLOCK_FIELDS}})
    base = {"case_id": case_id, "at": now, "actor_id": None, "action": None, "data": {}}
    timeline_rows.extend([
        {**base, "kind": "opened", "actor_role": request.actor_role, "from_state": None,
         "to_state": State.submitted.value, "reason": "申请已提交 / request submitted", "buyer_visible": True,
         "data": {"case_type": payload.case_type.value, "order_id": order.id}},
        {**base, "kind": "triage", "actor_role": "ai", "from_state": State.submitted.value,
         "to_state": State.answered.value, "reason": "；".join(tier.reasons), "buyer_visible": False,
         "data": {"category": a.category, "emotion": a.emotion, "confidence": round(float(a.confidence), 4),
                  "risk_flags": list(a.risk_flags), "symptoms": list(a.symptoms), "tier": tier.tier,
                  "priority": tier.priority, "model": a.model_version}},
        {**base, "kind": "ai_answer", "actor_role": "ai", "from_state": None, "to_state": None,
         "reason": judged.answer_zh, "buyer_visible": True},
        *judged.timeline(base),
    ])
    if judged.ai_settles:
        timeline_rows.append({**base, "kind": "ai_resolved", "actor_role": "ai", "from_state": State.answered.value,
                              "to_state": row["state"], "buyer_visible": True,
                              "reason": "AI已按规则直接处理，无需人工 / settled by the AI under the policy, no human needed"})
    message_rows.extend([
        {"case_id": case_id, "author_role": "buyer", "author_id": request.buyer_id, "body": payload.text,
         "created_at": now},
        {"case_id": case_id, "author_role": "ai", "author_id": None, "body": judged.answer_zh, "created_at": now},
    ])
    return IntakeOutcome(case=Case(**row), clocks=clocks)


def settle_by_ai(row: dict[str, Any], settles: str | None, now: datetime) -> None:
    """The AI finishes what the policy allows: an answered question is resolved, an approved return awaits the parcel."""
    if settles == "resolved":
        row.update(state=State.resolved.value, resolved_at=now)
    elif settles == "awaiting_return":
        row.update(state=State.awaiting_return.value, return_requested_at=now)


def open_cases(factory: sessionmaker[Session], requests: Sequence[IntakeRequest], now: datetime,
               calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Commit a batch; if the batch as a whole fails (a race on a key), commit each request on its own."""
    try:
        with factory() as session:
            outcomes = commit_batch(session, requests, now, calendar)
            session.commit()
            return outcomes
    except IntegrityError:
        if len(requests) == 1:
            return _after_race(factory, requests[0], now, calendar)
        log.info("batch of %d hit a uniqueness race; committing one by one", len(requests))
        return [open_cases(factory, [r], now, calendar)[0] for r in requests]


def _after_race(factory: sessionmaker[Session], request: IntakeRequest, now: datetime,
                calendar: BusinessCalendar) -> list[IntakeOutcome]:
    # another process committed the same idempotency key first: answer with its case
    with factory() as session:
        return commit_batch(session, [request], now, calendar)


class GroupCommitter:
    """Collects concurrent intake requests and commits them together on one writer thread."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock, calendar: BusinessCalendar,
                 max_batch: int = 256) -> None:
        self._factory = factory
        self._clock = clock
        self._calendar = calendar
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[IntakeRequest, asyncio.Future[IntakeOutcome]]] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-writer")
        self._task: asyncio.Task[None] | None = None

    async def submit(self, request: IntakeRequest) -> IntakeOutcome:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[IntakeOutcome] = asyncio.get_running_loop().create_future()
        await self._queue.put((request, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            # whatever queued up while the previous batch was committing joins this one: no timer needed
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            requests = [r for r, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._executor, open_cases, self._factory, requests,
                                                      self._clock.now(), self._calendar)
            except Exception as error:  # the database is down: every waiting caller must hear it
                log.exception("intake batch failed")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=True)

