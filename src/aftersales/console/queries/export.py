"""Cases as rows for supervisors (CSV or Excel): one row per case with every SLA clock, in Shanghai time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.clock import as_utc, format_shanghai
from aftersales.sla.models import SlaClock

CLOCK_KINDS = ("first_response", "human_response", "resolution")
CLOCK_FIELDS = ("due", "stopped", "breached", "minutes_used")
CASE_FIELDS = ("case_id", "order_id", "created_at", "state", "tier", "priority", "case_type", "category",
               "confirmed_category", "emotion", "responsible_party_id", "responsible_kind", "assigned_agent_id",
               "handoff_count", "refund_amount", "first_response_at", "human_response_at", "resolved_at", "closed_at")
HEADER = (*CASE_FIELDS, *(f"{kind}_{f}" for kind in CLOCK_KINDS for f in CLOCK_FIELDS))
CHUNK = 2000
#: an Excel sheet holds 1,048,576 rows; beyond this the download says to use CSV
EXCEL_LIMIT = 200_000


def _local(moment: datetime | None) -> str:
    return format_shanghai(moment) or "" if moment else ""


def _clock_cells(clocks: list[SlaClock]) -> list[str]:
    by_kind = {c.kind: c for c in clocks}
    cells: list[str] = []
    for kind in CLOCK_KINDS:
        c = by_kind.get(kind)
        if c is None:
            cells += ["", "", "", ""]
        else:
            cells += [_local(c.due_at), _local(c.stopped_at), _local(c.breached_at),
                      f"{(c.consumed_seconds or 0) / 60:.1f}"]
    return cells


def _case_cells(case: Case) -> list[str]:
    return [case.id, case.order_id or "", _local(case.created_at), case.state, case.tier, str(case.priority),
            case.case_type, case.category, case.confirmed_category or "", case.emotion,
            case.responsible_party_id or "", case.responsible_kind or "", case.assigned_agent_id or "",
            str(case.handoff_count), f"{case.refund_amount}" if case.refund_amount is not None else "",
            _local(case.first_response_at), _local(case.human_response_at), _local(case.resolved_at),
            _local(case.closed_at)]


def rows(session: Session, start: datetime, end: datetime, state: str | None = None) -> Iterator[list[str]]:
    """Cases created in [start, end), oldest first, read a chunk at a time (keyset), never all at once."""
    after: tuple[datetime, str] | None = None
    while True:
        query = select(Case).where(Case.created_at >= start, Case.created_at < end)
        if state:
            query = query.where(Case.state == state)
        if after is not None:
            query = query.where(or_(Case.created_at > after[0], and_(Case.created_at == after[0],
                                                                       Case.id > after[1])))
        chunk = list(session.scalars(query.order_by(Case.created_at, Case.id).limit(CHUNK)))
        if not chunk:
            return
        clocks: dict[str, list[SlaClock]] = {}
        for clock in session.scalars(select(SlaClock).where(SlaClock.case_id.in_([c.id for c in chunk]))):
            clocks.setdefault(clock.case_id, []).append(clock)
        for case in chunk:
            yield _case_cells(case) + _clock_cells(clocks.get(case.id, []))
        last = chunk[-1]
        after = (as_utc(last.created_at), last.id)
        session.expunge_all()
