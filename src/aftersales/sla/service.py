"""SLA use cases: the policy matrix in the database, clocks for a case, pausing on state changes, the sweeper."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aftersales.calendars import BusinessCalendar
from aftersales.cases.lifecycle import OPEN_WORK, State, pauses_clocks, stops_resolution_clock
from aftersales.cases.models import Case, TimelineEvent
from aftersales.clock import as_utc
from aftersales.problems import InvalidInput, NotFound
from aftersales.sla import rules
from aftersales.sla.models import SlaBreach, SlaClock, SlaPolicy
from aftersales.sla.rules import ClockKind, ClockState, PolicyRow

log = logging.getLogger(__name__)
CLOCK_FIELDS = ("kind", "tier", "budget_seconds", "business_hours", "started_at", "segment_started_at",
                "consumed_seconds", "due_at", "paused_at", "stopped_at", "breached_at")
_TIME_FIELDS = ("started_at", "segment_started_at", "due_at", "paused_at", "stopped_at", "breached_at")


def ensure_default_policies(session: Session, now: datetime) -> int:
    """Seed the escalation matrix once; an operator's edits are never overwritten."""
    if session.scalar(select(SlaPolicy.id).limit(1)) is not None:
        return 0
    for row in rules.DEFAULT_MATRIX:
        session.add(SlaPolicy(tier=row.tier, case_type=row.case_type, priority=row.priority,
                              first_response_minutes=row.first_response_minutes,
                              human_response_minutes=row.human_response_minutes,
                              resolution_minutes=row.resolution_minutes, business_hours=row.business_hours,
                              escalate_to=row.escalate_to, updated_at=now))
    session.flush()
    return len(rules.DEFAULT_MATRIX)


def load_matrix(session: Session) -> tuple[PolicyRow, ...]:
    rows = session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()
    if not rows:
        return rules.DEFAULT_MATRIX
    return tuple(PolicyRow(tier=r.tier, case_type=r.case_type, priority=r.priority,
                           first_response_minutes=r.first_response_minutes,
                           human_response_minutes=r.human_response_minutes,
                           resolution_minutes=r.resolution_minutes, business_hours=r.business_hours,
                           escalate_to=r.escalate_to, id=r.id) for r in rows)


def update_policy(session: Session, policy_id: int, changes: dict[str, object], now: datetime) -> SlaPolicy:
    policy = session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(f"SLA策略 {policy_id} 不存在 / no SLA policy {policy_id}")
    for name, value in changes.items():
        if name.endswith("_minutes") and value is not None and int(str(value)) <= 0:
            raise InvalidInput("时限必须为正数 / budgets must be positive", field=name)
        setattr(policy, name, value)
    policy.updated_at = now
    session.commit()
    return policy


def state_of(clock: SlaClock) -> ClockState:
    values = {name: getattr(clock, name) for name in CLOCK_FIELDS}
    for name in _TIME_FIELDS:
        if values[name] is not None:
            values[name] = as_utc(values[name])
    return ClockState(**values)


def apply_state(clock: SlaClock, state: ClockState) -> None:
    for name in CLOCK_FIELDS:
        setattr(clock, name, getattr(state, name))


def initial_clock_states(row: PolicyRow, now: datetime, calendar: BusinessCalendar, *,
                         answered_at_once: bool) -> list[ClockState]:
    """Clocks a new case starts with. The AI's instant L1 answer meets the first-response clock at once."""
    states = [rules.start_clock(ClockKind.first_response, row.tier, row.first_response_minutes * 60, False, now,
                                calendar)]
    if answered_at_once:
        states[0] = rules.stop(states[0], now, calendar)
    if row.human_response_minutes is not None:
        states.append(rules.start_clock(ClockKind.human_response, row.tier, row.human_response_minutes * 60,
                                        row.business_hours, now, calendar))
    states.append(rules.start_clock(ClockKind.resolution, row.tier, row.resolution_minutes * 60,
                                    row.business_hours, now, calendar))
    return states


def on_state_change(session: Session, case: Case, new_state: State, now: datetime,
                    calendar: BusinessCalendar, *, human_acted: bool) -> None:
    """Pause while waiting on the buyer, resume after, stop on settlement or the first human action."""
    clocks = session.scalars(select(SlaClock).where(SlaClock.case_id == case.id,
                                                    SlaClock.stopped_at.is_(None))).all()
    for clock in clocks:
        state = state_of(clock)
        if (clock.kind == ClockKind.human_response and human_acted) or (clock.kind == ClockKind.resolution and stops_resolution_clock(new_state)):
            state = rules.stop(state, now, calendar)
        elif pauses_clocks(new_state):
            state = rules.pause(state, now, calendar)
        else:
            state = rules.resume(state, now, calendar)
        apply_state(clock, state)


def restart_resolution_clock(session: Session, case: Case, now: datetime, calendar: BusinessCalendar) -> None:
    """A reopened case gets a fresh resolution budget under its current tier."""
    row = rules.pick_policy(load_matrix(session), case.tier, case.case_type, case.priority)
    state = rules.start_clock(ClockKind.resolution, case.tier, row.resolution_minutes * 60, row.business_hours,
                              now, calendar)
    clock = SlaClock(case_id=case.id, policy_id=row.id)
    apply_state(clock, state)
    session.add(clock)


@dataclass
class SweepReport:
    breaches: int = 0
    escalations: int = 0
    case_ids: list[str] = field(default_factory=list)


def sweep(factory: sessionmaker[Session], now: datetime, calendar: BusinessCalendar, *,
          worker: str = "in-process", batch_size: int = 200) -> SweepReport:
    """Record every overdue clock once and escalate its case; safe to run in many processes at once."""
    report = SweepReport()
    races = 0
    while True:
        with factory() as session:
            batch = SweepReport()
            try:
                handled = _sweep_batch(session, now, calendar, worker, batch_size, batch)
                session.commit()
            except StaleDataError:
                # an agent changed one of these cases meanwhile; its clock is still due, so look again
                session.rollback()
                races += 1
                if races > 5:
                    raise
                continue
        report.breaches += batch.breaches
        report.escalations += batch.escalations
        report.case_ids.extend(batch.case_ids)
        if handled < batch_size:
            return report


def _sweep_batch(session: Session, now: datetime, calendar: BusinessCalendar, worker: str, batch_size: int,
                 report: SweepReport) -> int:
    query = (select(SlaClock).where(SlaClock.due_at <= now, SlaClock.stopped_at.is_(None),
                                    SlaClock.paused_at.is_(None), SlaClock.breached_at.is_(None))
             .order_by(SlaClock.due_at).limit(batch_size))
    if session.get_bind().dialect.name == "postgresql":
        # several workers share the backlog: each row goes to exactly one of them
        query = query.with_for_update(skip_locked=True)
    clocks = session.scalars(query).all()
    matrix = load_matrix(session) if clocks else ()
    for clock in clocks:
        _record_breach(session, clock, now, calendar, worker, matrix, report)
    return len(clocks)


def _record_breach(session: Session, clock: SlaClock, now: datetime, calendar: BusinessCalendar, worker: str,
                   matrix: tuple[PolicyRow, ...], report: SweepReport) -> None:
    # lock the case too: two workers may hold two clocks of one case, and each escalation must see the other's
    case = session.get(Case, clock.case_id, with_for_update=True, populate_existing=True)
    if case is None:
        return
    row = rules.pick_policy(matrix, case.tier, case.case_type, case.priority)
    target = rules.escalation_target(case.tier, row)
    clock.breached_at = now
    try:
        with session.begin_nested():
            session.add(SlaBreach(clock_id=clock.id, case_id=case.id, kind=clock.kind, due_at=clock.due_at,
                                  detected_at=now, from_tier=case.tier, to_tier=target, worker=worker))
    except IntegrityError:
        log.info("clock %s already breached by another worker", clock.id)
        return
    report.breaches += 1
    report.case_ids.append(case.id)
    due = as_utc(clock.due_at or now)
    session.add(TimelineEvent(case_id=case.id, at=now, kind="sla_breach", actor_role="system", actor_id=worker,
                              reason=f"{clock.kind} 超时 / {clock.kind} overdue (due {due:%H:%M} UTC)",
                              data={"clock": clock.kind, "due_at": due.isoformat(),
                                    "tier": case.tier}, buyer_visible=False))
    escalate(session, case, target, now, calendar, reason=f"SLA {clock.kind} breached", actor_role="system",
             actor_id=worker, matrix=matrix)
    report.escalations += 1


def escalate(session: Session, case: Case, target: str, now: datetime, calendar: BusinessCalendar, *,
             reason: str, actor_role: str, actor_id: str | None,
             matrix: tuple[PolicyRow, ...] | None = None) -> None:
    """Raise the tier, move open work to `escalated`, and give the new tier its human-response clock."""
    from_tier, from_state = case.tier, case.state
    if rules.Tier(target) is rules.Tier.L3:
        case.priority = 1
    case.tier = target
    case.escalated_at = now
    case.updated_at = now
    if State(case.state) in OPEN_WORK:
        case.state = State.escalated.value
    session.add(TimelineEvent(case_id=case.id, at=now, kind="escalation", actor_role=actor_role, actor_id=actor_id,
                              action="escalate", from_state=from_state, to_state=case.state, reason=reason,
                              data={"from_tier": from_tier, "to_tier": target}, buyer_visible=True))
    if case.human_response_at is None and from_tier != target:
        row = rules.pick_policy(matrix or load_matrix(session), target, case.case_type, case.priority)
        if row.human_response_minutes is not None:
            clock = SlaClock(case_id=case.id, policy_id=row.id)
            apply_state(clock, rules.start_clock(ClockKind.human_response, target,
                                                 row.human_response_minutes * 60, row.business_hours, now,
                                                 calendar))
            session.add(clock)


def settle_clock(state: ClockState, case_state: State, now: datetime, calendar: BusinessCalendar) -> ClockState:
    """A new clock under the state intake left the case in: stopped if settled, paused if waiting on the buyer."""
    if stops_resolution_clock(case_state):
        return rules.stop(state, now, calendar)
    if pauses_clocks(case_state):
        return rules.pause(state, now, calendar)
    return state
