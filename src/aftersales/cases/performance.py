"""Agent performance (surveys.performance) over the cases agents worked: one read of cases, clocks and surveys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case
from aftersales.clock import as_utc
from aftersales.parties.models import Party
from aftersales.sla.models import SlaClock
from aftersales.surveys import performance
from aftersales.surveys.models import Survey


def records(session: Session, start: datetime, end: datetime) -> list[performance.CaseRecord]:
    clocks = (select(SlaClock.case_id, func.count().label("ended"),
                     func.count(SlaClock.breached_at).label("breached"))
              .where((SlaClock.stopped_at.is_not(None)) | (SlaClock.breached_at.is_not(None)))
              .group_by(SlaClock.case_id).subquery())
    rows = session.execute(
        select(Case.assigned_agent_id, Case.created_at, Case.resolved_at, Case.handoff_count, Case.reopened_at,
               clocks.c.ended, clocks.c.breached, Survey.csat, Survey.nps)
        .outerjoin(clocks, clocks.c.case_id == Case.id).outerjoin(Survey, Survey.case_id == Case.id)
        .where(Case.assigned_agent_id.is_not(None), Case.created_at >= start, Case.created_at < end,
               Case.order_id.is_not(None)))
    found = []
    for agent, created, resolved, handoffs, reopened, ended, breached, csat, nps in rows:
        hours = (as_utc(resolved) - as_utc(created)).total_seconds() / 3600 if resolved else None
        found.append(performance.CaseRecord(agent_id=agent, resolved=resolved is not None, handoffs=handoffs or 0,
                                            reopened=reopened is not None, handle_hours=hours, clocks=ended or 0,
                                            breached=breached or 0, csat=csat, nps=nps))
    return found


def agent_names(session: Session, agent_ids: list[str]) -> dict[str, str]:
    return dict(session.execute(select(Party.id, Party.name).where(Party.id.in_(agent_ids))).all()) \
        if agent_ids else {}
