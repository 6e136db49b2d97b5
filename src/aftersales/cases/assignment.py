"""Who picks a new case up: angry buyers and L3 cases go to the least-loaded senior agent."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.lifecycle import SETTLED
from aftersales.cases.models import Case
from aftersales.parties.models import Party


class SeniorPool:
    """Senior agents and their open load, read once per intake batch and updated as the batch assigns."""

    def __init__(self, session: Session) -> None:
        seniors = [p.id for p in session.scalars(select(Party).where(Party.kind == "agent").order_by(Party.id))
                   if (p.attributes or {}).get("seniority") == "senior"]
        self._load: Counter[str] = Counter({agent: 0 for agent in seniors})
        if seniors:
            rows = session.execute(
                select(Case.assigned_agent_id, func.count()).where(
                    Case.assigned_agent_id.in_(seniors), Case.state.not_in([s.value for s in SETTLED]))
                .group_by(Case.assigned_agent_id))
            for agent, count in rows:
                if agent is not None:
                    self._load[agent] = count

    def take(self) -> str | None:
        if not self._load:
            return None
        agent = min(self._load, key=lambda a: (self._load[a], a))
        self._load[agent] += 1
        return agent
