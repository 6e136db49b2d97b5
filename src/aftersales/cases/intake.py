"""Opening cases: many concurrent requests triaged, decided and committed together in one transaction.

Group commit is what lets SQLite keep up with a live-stream peak: one fsync and one triage matrix product
serve a whole batch, and each caller is answered only after the commit that holds its case.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales import db_faults
from aftersales.calendars import BusinessCalendar
from aftersales.cases import intake_facts, intake_plan, intake_rows, notices
from aftersales.cases.assignment import Assigner
from aftersales.cases.errors import IdempotencyMismatch
from aftersales.cases.intake_plan import IntakeRequest
from aftersales.cases.models import Case
from aftersales.cases.schemas import CaseCreate, CaseItemRead
from aftersales.cases.snapshots import CaseSnapshot, ClockSnapshot, case_snapshot, clock_snapshot
from aftersales.cases.views import case_items
from aftersales.db import unit_of_work
from aftersales.policy import service as policy_service
from aftersales.problems import DomainError, InvalidInput
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.tiering import GROUP_COMPLAINT_WINDOW_HOURS
from aftersales.triage.service import assess_many

log = logging.getLogger(__name__)
@dataclass
class IntakeOutcome:
    case: Case | CaseSnapshot | None = None  # the stored Case (a replay), or a copy of the row just inserted
    clocks: list[SlaClock] | list[ClockSnapshot] = field(default_factory=list)
    items: list[CaseItemRead] = field(default_factory=list)
    replayed: bool = False
    error: DomainError | None = None


def prepare(payload: CaseCreate, *, buyer_id: str, idempotency_key: str | None, actor_role: str) -> IntakeRequest:
    """Checks that need no database, done in the request before it joins a batch."""
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 100):
        raise InvalidInput("Idempotency-Key 长度须为1–100 / Idempotency-Key must be 1–100 characters",
                           field="Idempotency-Key")
    return IntakeRequest(buyer_id=buyer_id, payload=payload, idempotency_key=idempotency_key, actor_role=actor_role)


def commit_batch(session: Session, requests: Sequence[IntakeRequest], now: datetime,
                 calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Validate, triage, decide and insert a batch of new cases in the session's transaction (the caller commits)."""
    facts = intake_facts.load(session, requests)
    assessments = assess_many([r.payload.text for r in requests],
                              case_types=[r.payload.case_type.value for r in requests])
    resolved = [intake_plan.claimed_lines(r, facts.orders, facts.lines) for r in requests]
    similar = _similar_recent_counts(session, {
        (intake_plan.group_key(facts.orders[r.payload.order_id], lines), a.category)
        for r, a, lines in zip(requests, assessments, resolved, strict=True) if isinstance(lines, list)}, now)
    assigner, matrix = Assigner(session), sla_service.load_matrix(session)
    book = policy_service.book_in_force(session)
    rows = intake_rows.Rows()
    outcomes: list[IntakeOutcome] = []
    fresh: dict[tuple[str, str], IntakeOutcome] = {}
    opened: dict[int, list[tuple[str, str]]] = {line: list(cases) for line, cases in facts.open_cases.items()}
    for request, assessment, lines in zip(requests, assessments, resolved, strict=True):
        key = (request.buyer_id, request.idempotency_key) if request.idempotency_key else None
        if key and (key in facts.existing or key in fresh):
            outcomes.append(_replay(session, facts.existing.get(key), fresh.get(key), request))
            continue
        problem = lines if not isinstance(lines, list) else intake_plan.duplicate_of(request, lines, opened)
        if problem is not None:
            outcomes.append(IntakeOutcome(error=problem))
            continue
        assert isinstance(lines, list)
        order = facts.orders[request.payload.order_id]
        gathered = (intake_plan.group_key(order, lines), assessment.category)
        similar[gathered] = similar.get(gathered, 0) + 1
        flag = facts.flags.get(request.buyer_id)
        standing = intake_plan.Standing(
            group_id=intake_plan.join_group(order, lines, assessment.category, facts.open_groups),
            flagged_rate=flag.return_rate if flag is not None else None)
        plan = intake_plan.plan_case(
            request, order=order, claimed=lines, assessment=assessment, similar_recent=similar[gathered],
            standing=standing,
            facts=intake_plan.order_facts(order, lines, facts.products, facts.parties[order.id], facts.claims,
                                          orders=facts.orders, prices=facts.prices),
            now=now, calendar=calendar, matrix=matrix, book=book)
        plan.case["assigned_agent_id"] = assigner.take(tier=plan.tier.tier, senior=plan.needs_senior,
                                                       dedicated=standing.flagged_rate is not None)
        rows.add(plan)
        for line in lines:
            opened.setdefault(line.item_id, []).append((plan.case["id"], plan.case["case_type"]))
        outcome = IntakeOutcome(case=case_snapshot(plan.case), clocks=[clock_snapshot(c) for c in plan.clocks],
                                items=[CaseItemRead(order_id=li.order_id, order_item_id=li.item_id,
                                                    line_no=li.line_no, product_id=li.product_id,
                                                    quantity=li.quantity, paid_amount=li.paid) for li in lines])
        if key:
            fresh[key] = outcome
        outcomes.append(outcome)
    rows.insert(session)
    notices.publish(session, [event for row in rows.cases for event in notices.opened(
        session, row, facts.orders[row["order_id"]], now)], now)
    return outcomes


def _replay(session: Session, stored: Case | None, fresh: IntakeOutcome | None,
            request: IntakeRequest) -> IntakeOutcome:
    if fresh is not None and fresh.case is not None:  # the same key twice in one batch: the second caller
        case, clocks, items = fresh.case, fresh.clocks, fresh.items  # gets the first's case
    else:
        assert stored is not None
        case = stored
        clocks = list(session.scalars(select(SlaClock).where(SlaClock.case_id == stored.id)))
        items = case_items(session, stored.id)
    if case.request_fingerprint not in (None, request.fingerprint) or case.order_id != request.payload.order_id:
        return IntakeOutcome(error=IdempotencyMismatch(
            f"该幂等键已用于另一请求（工单 {case.id}） / this Idempotency-Key was used with another request body "
            f"(case {case.id})", field="Idempotency-Key", case_id=case.id))
    return IntakeOutcome(case=case, clocks=clocks, items=items, replayed=True)


#: the advisory-lock namespace of group-complaint counts (the second key is the group's hash)
GROUP_LOCK_SPACE = 7301


def _similar_recent_counts(session: Session, groups: set[tuple[str, str]], now: datetime) -> dict[tuple[str, str], int]:
    """Similar cases per (batch/session/product, class) in the window: one indexed read for the whole batch.

    On PostgreSQL several processes commit intake batches at once; each first takes a transaction-scoped
    advisory lock per group (in one order, so two batches never wait on each other in a circle), so a batch
    counts the cases another process committed on the same group a moment earlier and the fifth similar case
    is seen as the fifth wherever it lands."""
    if not groups:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted({g for g, _ in groups}):
            session.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                            {"space": GROUP_LOCK_SPACE, "key": key})
    cases = Case.__table__.c
    rows = session.execute(
        select(cases.group_key, cases.category, func.count())
        .where(cases.group_key.in_({g for g, _ in groups}), cases.category.in_({c for _, c in groups}),
               cases.created_at >= now - timedelta(hours=GROUP_COMPLAINT_WINDOW_HOURS))
        .group_by(cases.group_key, cases.category))
    return {(g, c): n for g, c, n in rows if (g, c) in groups}


def open_cases(factory: sessionmaker[Session], requests: Sequence[IntakeRequest], now: datetime,
               calendar: BusinessCalendar) -> list[IntakeOutcome]:
    """Commit a batch; if it fails as a whole, commit each request on its own so one bad case fails alone."""
    try:
        with unit_of_work(factory) as session:
            return commit_batch(session, requests, now, calendar)
    except IntegrityError:
        if len(requests) == 1:
            # another process committed the same idempotency key first: the retry finds it and answers with its
            # case; any other uniqueness failure fails again here and reaches the caller, never a 201 for a
            # case that was rolled back
            with unit_of_work(factory) as session:
                return commit_batch(session, requests, now, calendar)
        log.info("batch of %d hit a uniqueness race; committing one by one", len(requests))
    except Exception as error:
        # the database away or full fails every request alike: one by one would only repeat it, and could answer
        # 503 for a batch whose first requests did land once the database came back
        if len(requests) == 1 or db_faults.classify(error) is not None:
            raise
        log.exception("batch of %d failed; committing one by one", len(requests))
    return [open_cases(factory, [r], now, calendar)[0] for r in requests]
