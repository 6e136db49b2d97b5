"""SLA use cases: the policy matrix in the database, clocks for a case, pausing on state changes, the sweeper."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.orm import Session

from aftersales import db_bulk
from aftersales.calendars import BusinessCalendar
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
        if name.endswith("_minutes") and value is not None:
            try:
                rules.check_budget(name, int(str(value)))
            except rules.BudgetOutOfRange as error:
                raise InvalidInput(f"时限须在1–{rules.MAX_BUDGET_MINUTES}分钟之间 / {error}", field=name) from error
        setattr(policy, name, value)
    policy.updated_at = now
    session.flush()
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


def on_state_change(session: Session, case_id: str, now: datetime, calendar: BusinessCalendar, *,
                    settled: bool, paused: bool, human_acted: bool) -> None:
    """Pause while waiting on the buyer, resume after, stop on settlement or the first human action."""
    clocks = session.scalars(select(SlaClock).where(SlaClock.case_id == case_id,
                                                    SlaClock.stopped_at.is_(None))).all()
    for clock in clocks:
        state = state_of(clock)
        if (clock.kind == ClockKind.human_response and human_acted) or (clock.kind == ClockKind.resolution
                                                                         and settled):
            state = rules.stop(state, now, calendar)
        elif paused:
            state = rules.pause(state, now, calendar)
        else:
            state = rules.resume(state, now, calendar)
        apply_state(clock, state)


def restart_resolution_clock(session: Session, *, case_id: str, tier: str, case_type: str, priority: int,
                             now: datetime, calendar: BusinessCalendar) -> None:
    """A reopened case gets a fresh resolution budget under its current tier."""
    row = rules.pick_policy(load_matrix(session), tier, case_type, priority)
    state = rules.start_clock(ClockKind.resolution, tier, row.resolution_minutes * 60, row.business_hours,
                              now, calendar)
    clock = SlaClock(case_id=case_id, policy_id=row.id)
    apply_state(clock, state)
    session.add(clock)


class PolicyLookup:
    """The matrix row for a case, remembered for one reading of the matrix: a sweep asks the same few questions
    thousands of times (a cache keyed on the matrix itself hashed and compared every row of it on each call)."""

    def __init__(self, matrix: tuple[PolicyRow, ...]) -> None:
        self.matrix = matrix
        self._rows: dict[tuple[str, str, int], PolicyRow] = {}

    def row(self, tier: str, case_type: str, priority: int) -> PolicyRow:
        key = (tier, case_type, priority)
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = rules.pick_policy(self.matrix, tier, case_type, priority)
        return found

    def escalation_target(self, *, tier: str, case_type: str, priority: int) -> str:
        return rules.escalation_target(tier, self.row(tier, case_type, priority))


def human_clock_row(*, case_id: str, tier: str, case_type: str, priority: int, now: datetime,
                    calendar: BusinessCalendar, policies: PolicyLookup) -> dict[str, object] | None:
    """The new tier's human-response clock of an escalated case no human has answered yet (None: the tier has
    no human-response budget)."""
    row = policies.row(tier, case_type, priority)
    if row.human_response_minutes is None:
        return None
    state = rules.start_clock(ClockKind.human_response, tier, row.human_response_minutes * 60, row.business_hours,
                              now, calendar)
    return {"case_id": case_id, "policy_id": row.id, **{name: getattr(state, name) for name in CLOCK_FIELDS}}


def start_human_clock(session: Session, *, case_id: str, tier: str, case_type: str, priority: int,
                      now: datetime, calendar: BusinessCalendar,
                      matrix: tuple[PolicyRow, ...] | None = None) -> None:
    """An escalated case that no human has answered yet gets the new tier's human-response clock."""
    row = human_clock_row(case_id=case_id, tier=tier, case_type=case_type, priority=priority, now=now,
                          calendar=calendar, policies=PolicyLookup(matrix or load_matrix(session)))
    if row is not None:
        session.add(SlaClock(**row))


@dataclass(frozen=True)
class DueClock:
    id: int
    case_id: str
    kind: str
    due_at: datetime


def claim_due_clocks(session: Session, now: datetime, limit: int,
                     after: tuple[datetime, int] | None = None) -> list[DueClock]:
    """Overdue running clocks not yet breached, oldest first, past `after` (the last clock of the sweep's previous
    batch); on PostgreSQL each row goes to one worker only."""
    clocks = SlaClock.__table__.c
    query = (select(clocks.id, clocks.case_id, clocks.kind, clocks.due_at)
             .where(clocks.due_at <= now, clocks.stopped_at.is_(None), clocks.paused_at.is_(None),
                    clocks.breached_at.is_(None))
             .order_by(clocks.due_at, clocks.id).limit(limit))
    if after is not None:
        # a breached clock's old index entry stays until VACUUM: starting from the top, the 100th batch of a
        # backlog stepped over 99,000 of them (39 ms a batch at 1 M open cases)
        query = query.where(tuple_(clocks.due_at, clocks.id) > tuple_(*after))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [DueClock(i, c, k, as_utc(d)) for i, c, k, d in session.execute(query).all()]


def record_breaches(session: Session, breaches: list[tuple[DueClock, str, str]], *, now: datetime,
                    worker: str) -> int:
    """Mark the clocks breached and keep one breach record per clock, one statement each; returns how many this
    call recorded (fewer: another worker got to some first)."""
    if not breaches:
        return 0
    rows = [{"clock_id": clock.id, "case_id": clock.case_id, "kind": clock.kind, "due_at": clock.due_at,
             "detected_at": now, "from_tier": source, "to_tier": target, "worker": worker}
            for clock, source, target in breaches]
    recorded = set(db_bulk.insert_many(session, cast(Table, SlaBreach.__table__), rows, skip_conflicts_on="clock_id",
                                       returning="clock_id"))
    if recorded:
        clocks = cast(Table, SlaClock.__table__)
        session.execute(update(clocks).where(db_bulk.member_of(session, clocks.c.id, sorted(recorded)))
                        .values(breached_at=now))
    if len(recorded) < len(breaches):
        log.info("%d clocks already breached by another worker", len(breaches) - len(recorded))
    return len(recorded)


def settle_clock(state: ClockState, now: datetime, calendar: BusinessCalendar, *, settled: bool,
                 paused: bool) -> ClockState:
    """A new clock under the state intake left the case in: stopped if settled, paused if waiting on the buyer."""
    if settled:
        return rules.stop(state, now, calendar)
    if paused:
        return rules.pause(state, now, calendar)
    return state
