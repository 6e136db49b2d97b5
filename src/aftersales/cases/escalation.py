"""Escalation of a case to a higher tier, by an agent or by the SLA sweeper when a clock runs out.

`sla` owns the clocks and the matrix and says which tier comes next; `cases` owns the case and applies the
escalation through its lifecycle, so the case's state machine stays the one door in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aftersales import db_bulk
from aftersales.calendars import BusinessCalendar
from aftersales.cases import notices, timeline
from aftersales.cases.lifecycle import State, after_escalation
from aftersales.cases.models import Case, TimelineEvent
from aftersales.db import unit_of_work
from aftersales.notifications import outbox
from aftersales.sla import rules as sla_rules
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import PolicyRow

log = logging.getLogger(__name__)
#: a batch that keeps losing races with agents is retried this often before the sweep gives up until next tick
MAX_RACES = 5


def escalated(state: State, priority: int, target: str) -> tuple[State, int]:
    """Where an escalation to `target` leaves a case: open work becomes `escalated`, L3 is worked first."""
    return after_escalation(state), sla_rules.escalated_priority(target, priority)


def escalate_case(session: Session, case: Case, target: str, now: datetime, calendar: BusinessCalendar, *,
                  reason: str, actor_role: str, actor_id: str | None,
                  matrix: tuple[PolicyRow, ...] | None = None) -> None:
    """Raise the tier, move open work to `escalated`, and give the new tier its human-response clock."""
    from_tier, from_state = case.tier, case.state
    state, case.priority = escalated(State(case.state), case.priority, target)
    case.tier, case.state = target, state.value
    case.escalated_at = now
    case.updated_at = now
    timeline.record(session, case.id, "escalation", at=now, actor_role=actor_role, actor_id=actor_id,
                    action="escalate", from_state=from_state, to_state=case.state, reason=reason,
                    data={"from_tier": from_tier, "to_tier": target}, buyer_visible=True)
    if case.human_response_at is None and from_tier != target:
        sla_service.start_human_clock(session, case_id=case.id, tier=target, case_type=case.case_type,
                                      priority=case.priority, now=now, calendar=calendar, matrix=matrix)
    notices.publish(session, [notices.escalated(case, notices.order_of(session, case), now, from_tier=from_tier,
                                                reason=reason)], now)


@dataclass
class SweepReport:
    breaches: int = 0
    escalations: int = 0
    case_ids: list[str] = field(default_factory=list)


def sweep(factory: sessionmaker[Session], now: datetime, calendar: BusinessCalendar, *,
          worker: str = "in-process", batch_size: int = 1000) -> SweepReport:
    """Record every overdue clock once and escalate its case; safe to run in many processes at once."""
    report = SweepReport()
    races = 0
    # where the last committed batch ended: a clock skipped before it is another worker's (SKIP LOCKED), and one
    # that worker gave back is found by the next tick
    after: tuple[datetime, int] | None = None
    while True:
        batch = SweepReport()
        try:
            with unit_of_work(factory) as session:
                handled, last = _sweep_batch(session, now, calendar, worker, batch_size, batch, after)
        except (StaleDataError, _Raced):
            # an agent changed one of these cases meanwhile; its clock is still due, so look again
            races += 1
            if races > MAX_RACES:
                raise
            continue
        report.breaches += batch.breaches
        report.escalations += batch.escalations
        report.case_ids.extend(batch.case_ids)
        if handled < batch_size:
            return report
        after = last


class _Raced(Exception):
    """Another sweeper breached one of this batch's clocks first: the batch is rolled back and read again."""


@dataclass
class _Locked:
    """What the sweeper needs of a case it holds locked while it escalates it."""

    id: str
    tier: str
    priority: int
    state: State
    case_type: str
    answered: bool  # a human has responded: no new human-response clock
    version: int
    escalations: int = 0


def _sweep_batch(session: Session, now: datetime, calendar: BusinessCalendar, worker: str, batch_size: int,
                 report: SweepReport, after: tuple[datetime, int] | None) -> tuple[int, tuple[datetime, int] | None]:
    """One batch, set-based: each table is read or written once (a backlog of 100,000 due clocks is ~100 batches).
    Returns how many clocks it claimed and the (due, id) of the last."""
    clocks = sla_service.claim_due_clocks(session, now, batch_size, after)
    if not clocks:
        return 0, after
    policies = sla_service.PolicyLookup(sla_service.load_matrix(session))
    cases = _lock_cases(session, {c.case_id for c in clocks})
    planned = plan_breaches([c for c in clocks if c.case_id in cases], cases, policies)
    if sla_service.record_breaches(session, planned, now=now, worker=worker) != len(planned):
        raise _Raced
    events, new_clocks = _escalate_all(planned, cases, now, calendar, policies, worker)
    # not the ORM: a bulk insert there would send one statement per row to learn each new id
    db_bulk.insert_many(session, cast(Table, TimelineEvent.__table__), events)
    db_bulk.insert_many(session, cast(Table, SlaClock.__table__), new_clocks)
    _save_cases(session, [case for case in cases.values() if case.escalations], now)
    _announce(session, planned, cases, now)
    report.breaches += len(planned)
    report.escalations += len(planned)
    report.case_ids.extend(clock.case_id for clock, _, _ in planned)
    return len(clocks), (clocks[-1].due_at, clocks[-1].id)


def _lock_cases(session: Session, ids: set[str]) -> dict[str, _Locked]:
    # lock the cases too: two workers may hold two clocks of one case, and each escalation must see the other's
    c = Case.__table__.c
    rows = session.execute(select(c.id, c.tier, c.priority, c.state, c.case_type, c.human_response_at, c.version)
                           .where(db_bulk.member_of(session, c.id, ids)).with_for_update())
    return {r.id: _Locked(r.id, r.tier, r.priority, State(r.state), r.case_type, r.human_response_at is not None,
                          r.version) for r in rows.all()}


def plan_breaches(clocks: list[sla_service.DueClock], cases: dict[str, _Locked],
                  policies: sla_service.PolicyLookup) -> list[tuple[sla_service.DueClock, str, str]]:
    """Each overdue clock with the tier it escalates from and to, in due order: a case with two overdue clocks
    escalates twice, the second time from the tier the first one reached."""
    tiers = {case_id: (case.tier, case.priority) for case_id, case in cases.items()}
    planned = []
    for clock in sorted(clocks, key=lambda c: (c.due_at, c.id)):
        case = cases[clock.case_id]
        tier, priority = tiers[case.id]
        target = policies.escalation_target(tier=tier, case_type=case.case_type, priority=priority)
        planned.append((clock, tier, target))
        tiers[case.id] = (target, sla_rules.escalated_priority(target, priority))
    return planned


def _escalate_all(planned: list[tuple[sla_service.DueClock, str, str]], cases: dict[str, _Locked], now: datetime,
                  calendar: BusinessCalendar, policies: sla_service.PolicyLookup,
                  worker: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The timeline rows and new clocks of every escalation, applied in order to the locked cases."""
    events: list[dict[str, Any]] = []
    new_clocks: list[dict[str, Any]] = []
    base = {"at": now, "actor_role": "system", "actor_id": worker}
    for clock, source, target in planned:
        case = cases[clock.case_id]
        events.append({**base, "case_id": case.id, "kind": "sla_breach", "action": None, "from_state": None,
                       "to_state": None, "buyer_visible": False,
                       "reason": f"{clock.kind} 超时 / {clock.kind} overdue (due {clock.due_at:%H:%M} UTC)",
                       "data": {"clock": clock.kind, "due_at": clock.due_at.isoformat(), "tier": source}})
        before = case.state
        case.state, case.priority = escalated(case.state, case.priority, target)
        case.tier, case.escalations = target, case.escalations + 1
        events.append({**base, "case_id": case.id, "kind": "escalation", "action": "escalate",
                       "from_state": before.value, "to_state": case.state.value, "buyer_visible": True,
                       "reason": f"SLA {clock.kind} breached", "data": {"from_tier": source, "to_tier": target}})
        if not case.answered and source != target:
            row = sla_service.human_clock_row(case_id=case.id, tier=target, case_type=case.case_type,
                                              priority=case.priority, now=now, calendar=calendar, policies=policies)
            if row is not None:
                new_clocks.append(row)
    return events, new_clocks


def _save_cases(session: Session, changed: list[_Locked], now: datetime) -> None:
    """One UPDATE for all escalated cases, guarded by the version each was read at."""
    if not changed:
        return
    changed_rows = db_bulk.update_many(
        session, cast(Table, Case.__table__),
        [{"id": case.id, "version": case.version, "tier": case.tier, "priority": case.priority,
          "state": case.state.value} for case in changed],
        match=("id", "version"), constants={"escalated_at": now, "updated_at": now}, increment="version")
    if changed_rows is not None and changed_rows != len(changed):
        raise StaleDataError("a case changed while the sweeper held it")


def _announce(session: Session, planned: list[tuple[sla_service.DueClock, str, str]], cases: dict[str, _Locked],
              now: datetime) -> None:
    """Each breach and its escalation, as notifications in the sweep's own transaction (one read for the batch).
    These events carry no text to the buyer, so with no channel listening there is nothing to build."""
    routes = outbox.load_routes(session) if planned else ()
    if not routes:
        return
    c = Case.__table__.c
    known = {r.id: r._asdict() for r in session.execute(
        select(c.id, c.case_type, c.category, c.order_id, c.responsible_party_id)
        .where(db_bulk.member_of(session, c.id, {clock.case_id for clock, _, _ in planned}))).all()}
    events = []
    for clock, source, target in planned:
        row = {**known[clock.case_id], "tier": target, "state": cases[clock.case_id].state.value}
        events.append(notices.breached(row, None, now, clock=clock.kind, due_at=clock.due_at.isoformat()))
        if source != target:
            events.append(notices.escalated(row, None, now, from_tier=source, reason=f"SLA {clock.kind} breached"))
    notices.publish(session, events, now, routes)
