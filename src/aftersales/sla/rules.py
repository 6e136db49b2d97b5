"""Tiers, the default escalation matrix, clock arithmetic with pauses and working hours. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from aftersales.calendars import BusinessCalendar


class Tier(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class ClockKind(StrEnum):
    first_response = "first_response"
    human_response = "human_response"
    resolution = "resolution"


NEXT_TIER = {Tier.L1: Tier.L2, Tier.L2: Tier.L3, Tier.L3: Tier.L3}
#: the longest budget a matrix row may give: beyond 90 days a clock means nothing to a buyer, and an absurd value
#: (10^11 minutes) would overflow every deadline computed from it
MAX_BUDGET_MINUTES = 90 * 24 * 60


class BudgetOutOfRange(ValueError):
    def __init__(self, name: str, minutes: int) -> None:
        super().__init__(f"{name} must be 1–{MAX_BUDGET_MINUTES} minutes, got {minutes}")
        self.name = name


def check_budget(name: str, minutes: int) -> None:
    if not 1 <= minutes <= MAX_BUDGET_MINUTES:
        raise BudgetOutOfRange(name, minutes)


def escalated_priority(target_tier: str, priority: int) -> int:
    """An L3 case is always worked first."""
    return 1 if Tier(target_tier) is Tier.L3 else priority


@dataclass(frozen=True)
class PolicyRow:
    """One row of the escalation matrix; None in case_type/priority matches any."""

    tier: str
    first_response_minutes: int
    resolution_minutes: int
    human_response_minutes: int | None = None
    case_type: str | None = None
    priority: int | None = None
    business_hours: bool = False
    escalate_to: str | None = None
    id: int | None = None

    def specificity(self) -> int:
        return (self.case_type is not None) * 2 + (self.priority is not None)


#: SPEC §2: L1 answers in 15 min, L2 reaches the buyer in 1 h, L3 solves in 24 h, refunds land in 48 h.
DEFAULT_MATRIX: tuple[PolicyRow, ...] = (
    PolicyRow("L1", 15, 72 * 60, None, escalate_to="L2"),
    PolicyRow("L1", 15, 48 * 60, None, case_type="refund_only", escalate_to="L2"),
    PolicyRow("L1", 15, 48 * 60, None, case_type="return_refund", escalate_to="L2"),
    PolicyRow("L2", 15, 72 * 60, 60, escalate_to="L3"),
    PolicyRow("L2", 15, 48 * 60, 60, case_type="refund_only", escalate_to="L3"),
    PolicyRow("L2", 15, 48 * 60, 60, case_type="return_refund", escalate_to="L3"),
    PolicyRow("L2", 15, 72 * 60, 30, priority=1, escalate_to="L3"),
    # allergy claims: the standard is 7 working days, counted in working hours (9 h a day)
    PolicyRow("L2", 15, 7 * 9 * 60, 60, case_type="allergy_claim", business_hours=True, escalate_to="L3"),
    PolicyRow("L3", 15, 24 * 60, 30),
)


def pick_policy(rows: tuple[PolicyRow, ...] | list[PolicyRow], tier: str, case_type: str,
                priority: int) -> PolicyRow:
    """The most specific row for the tier that matches; ties go to the lower id, so the choice is stable."""
    matching = [r for r in rows if r.tier == tier and r.case_type in (None, case_type)
                and r.priority in (None, priority)]
    if not matching:
        raise LookupError(f"no SLA policy row for tier {tier}")
    return sorted(matching, key=lambda r: (-r.specificity(), r.id or 0))[0]


@dataclass(frozen=True)
class ClockState:
    kind: str
    tier: str
    budget_seconds: int
    business_hours: bool
    started_at: datetime
    segment_started_at: datetime | None
    consumed_seconds: float = 0.0
    due_at: datetime | None = None
    paused_at: datetime | None = None
    stopped_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None


def _elapsed(start: datetime, end: datetime, business_hours: bool, calendar: BusinessCalendar) -> float:
    if business_hours:
        return calendar.working_seconds_between(start, end)
    return max(0.0, (end - start).total_seconds())


def _due(start: datetime, seconds: float, business_hours: bool, calendar: BusinessCalendar) -> datetime:
    if business_hours:
        return calendar.add_working_seconds(start, seconds)
    return start + timedelta(seconds=seconds)


def start_clock(kind: str, tier: str, budget_seconds: int, business_hours: bool, now: datetime,
                calendar: BusinessCalendar) -> ClockState:
    return ClockState(kind=kind, tier=tier, budget_seconds=budget_seconds, business_hours=business_hours,
                      started_at=now, segment_started_at=now,
                      due_at=_due(now, budget_seconds, business_hours, calendar))


def pause(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> ClockState:
    if not clock.running or clock.segment_started_at is None:
        return clock
    used = clock.consumed_seconds + _elapsed(clock.segment_started_at, now, clock.business_hours, calendar)
    return replace(clock, consumed_seconds=used, segment_started_at=None, paused_at=now, due_at=None)


def resume(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> ClockState:
    if clock.paused_at is None or clock.stopped_at is not None:
        return clock
    left = max(0.0, clock.budget_seconds - clock.consumed_seconds)
    return replace(clock, paused_at=None, segment_started_at=now,
                   due_at=_due(now, left, clock.business_hours, calendar))


def stop(clock: ClockState, now: datetime, calendar: BusinessCalendar) -> ClockState:
    if clock.stopped_at is not None:
        return clock
    used = clock.consumed_seconds
    if clock.segment_started_at is not None:
        used += _elapsed(clock.segment_started_at, now, clock.business_hours, calendar)
    return replace(clock, stopped_at=now, consumed_seconds=used, segment_started_at=None)


def is_breached(clock: ClockState, now: datetime) -> bool:
    """Overdue, running and not yet recorded: the sweeper's test."""
    return clock.running and clock.breached_at is None and clock.due_at is not None and now >= clock.due_at


def escalation_target(tier: str, row: PolicyRow) -> str:
    if row.escalate_to:
        return row.escalate_to
    return NEXT_TIER[Tier(tier)].value
