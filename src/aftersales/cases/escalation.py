"""Escalation of a case to a higher tier, by an agent or by the SLA sweeper when a clock runs out.

`sla` owns the clocks and the matrix and says which tier comes next; `cases` owns the case and applies the
escalation through its lifecycle, so the case's state machine stays the one door in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aftersales.calendars import BusinessCalendar
from aftersales.cases import notices, timeline
from aftersales.cases.lifecycle import State, after_escalation
from aftersales.cases.models import Case
from aftersales.clock import as_utc
from aftersales.db import unit_of_work
from aftersales.sla import rules as sla_rules
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import PolicyRow

log = logging.getLogger(__name__)
#: a batch that keeps losing races with agents is retried this often before the sweep gives up until next tick
MAX_RACES = 5


def escalate_case(session: Session, case: Case, target: str, now: datetime, calendar: BusinessCalendar, *,
                  reason: str, actor_role: str, actor_id: str | None,
                  matrix: tuple[PolicyRow, ...] | None = None) -> None:
    """Raise the tier, move open work to `escalated`, and give the new tier its human-response clock."""
    from_tier, from_state = case.tier, case.state
    case.priority = sla_rules.escalated_priority(target, case.priority)
    case.tier = target
    case.escalated_at = now
    case.updated_at = now
    case.state = after_escalation(State(case.state)).value
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
          worker: str = "in-process", batch_size: int = 200) -> SweepReport:
    """Record every overdue clock once and escalate its case; safe to run in many processes at once."""
    report = SweepReport()
    races = 0
    while True:
        batch = SweepReport()
        try:
            with unit_of_work(factory) as session:
                handled = _sweep_batch(session, now, calendar, worker, batch_size, batch)
        except StaleDataError:
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


def _sweep_batch(session: Session, now: datetime, calendar: BusinessCalendar, worker: str, batch_size: int,
                 report: SweepReport) -> int:
    clocks = sla_service.claim_due_clocks(session, now, batch_size)
    matrix = sla_service.load_matrix(session) if clocks else ()
    for clock in clocks:
        _breach(session, clock, now, calendar, worker, matrix, report)
    return len(clocks)


def _breach(session: Session, clock: SlaClock, now: datetime, calendar: BusinessCalendar, worker: str,
            matrix: tuple[PolicyRow, ...], report: SweepReport) -> None:
    # lock the case too: two workers may hold two clocks of one case, and each escalation must see the other's
    case = session.get(Case, clock.case_id, with_for_update=True, populate_existing=True)
    if case is None:
        return
    target = sla_service.escalation_target(matrix, tier=case.tier, case_type=case.case_type,
                                           priority=case.priority)
    if not sla_service.record_breach(session, clock, from_tier=case.tier, to_tier=target, now=now, worker=worker):
        return
    report.breaches += 1
    report.case_ids.append(case.id)
    due = as_utc(clock.due_at or now)
    timeline.record(session, case.id, "sla_breach", at=now, actor_role="system", actor_id=worker,
                    reason=f"{clock.kind} 超时 / {clock.kind} overdue (due {due:%H:%M} UTC)",
                    data={"clock": clock.kind, "due_at": due.isoformat(), "tier": case.tier}, buyer_visible=False)
    notices.publish(session, [notices.breached(case, notices.order_of(session, case), now, clock=clock.kind,
                                               due_at=due.isoformat())], now)
    escalate_case(session, case, target, now, calendar, reason=f"SLA {clock.kind} breached", actor_role="system",
                  actor_id=worker, matrix=matrix)
    report.escalations += 1
