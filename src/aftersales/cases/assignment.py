"""Who picks a new case up: L3 cases go to the emergency team (应急小组), angry buyers to a senior agent, a
flagged buyer to the dedicated channel; each time the least-loaded member of the pool."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.lifecycle import SETTLED
from aftersales.cases.models import Case
from aftersales.parties.models import Party

#: an agent party's attributes say which pool it belongs to
EMERGENCY_TEAM = "emergency"
DEDICATED_CHANNEL = "dedicated"


class Pool:
    """Agents of one kind and their open load, read once per intake batch and updated as the batch assigns."""

    def __init__(self, session: Session, member: Callable[[dict[str, Any]], bool]) -> None:
        chosen = [p.id for p in session.scalars(select(Party).where(Party.kind == "agent").order_by(Party.id))
                  if member(p.attributes or {})]
        self._load: Counter[str] = Counter({agent: 0 for agent in chosen})
        if chosen:
            rows = session.execute(
                select(Case.assigned_agent_id, func.count()).where(
                    Case.assigned_agent_id.in_(chosen), Case.state.not_in([s.value for s in SETTLED]))
                .group_by(Case.assigned_agent_id))
            for agent, count in rows:
                if agent is not None:
                    self._load[agent] = count

    def __bool__(self) -> bool:
        return bool(self._load)

    def take(self) -> str | None:
        if not self._load:
            return None
        agent = min(self._load, key=lambda a: (self._load[a], a))
        self._load[agent] += 1
        return agent


class SeniorPool(Pool):
    def __init__(self, session: Session) -> None:
        # the emergency team and the dedicated channel keep to their own work
        super().__init__(session, lambda attributes: attributes.get("seniority") == "senior"
                         and "team" not in attributes and "channel" not in attributes)


class EmergencyTeam(Pool):
    """The emergency team: anchor, operations and legal members (`{"team": "emergency", "function": ...}`)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, lambda attributes: attributes.get("team") == EMERGENCY_TEAM)


class DedicatedChannel(Pool):
    def __init__(self, session: Session) -> None:
        super().__init__(session, lambda attributes: attributes.get("channel") == DEDICATED_CHANNEL)


class Assigner:
    """The three pools of an intake batch; a pool with no members falls back to the senior agents."""

    def __init__(self, session: Session) -> None:
        self.seniors, self.team, self.dedicated = SeniorPool(session), EmergencyTeam(session), DedicatedChannel(session)

    def take(self, *, tier: str, senior: bool, dedicated: bool) -> str | None:
        if tier == "L3" and self.team:
            return self.team.take()
        if senior:
            return self.seniors.take()
        if dedicated and self.dedicated:
            return self.dedicated.take()
        return None
