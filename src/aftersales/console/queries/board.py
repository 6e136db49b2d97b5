"""The supervisor's live board: depth by tier, deadlines, angry buyers, load per agent, recent breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.models import TimelineEvent
from aftersales.console.queries.names import parties_of_kind
from aftersales.console.queries.snapshot import AgentLoad, Snapshot
from aftersales.sla.models import SlaBreach, SlaPolicy
from aftersales.surveys.models import CallbackTask

TIERS = ("L1", "L2", "L3")
#: what a supervisor watches scroll by: cases opened, moved, escalated or handed off (not notes or triage)
ACTIVITY_KINDS = ("opened", "transition", "action", "sla_breach", "escalation", "handoff", "callback_opened")


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    name: str
    load: AgentLoad


@dataclass(frozen=True)
class Activity:
    case_id: str
    at: datetime
    kind: str
    actor_role: str
    action: str | None
    to_state: str | None


@dataclass(frozen=True)
class Board:
    snapshot: Snapshot
    agents: list[AgentRow]
    breaches: list[SlaBreach]
    open_callbacks: int
    activity: list[Activity]


def load_board(session: Session, snapshot: Snapshot) -> Board:
    names = dict(parties_of_kind(session, "agent"))
    agents = [AgentRow(agent_id, names.get(agent_id, agent_id), load)
              for agent_id, load in snapshot.by_agent.items()]
    agents += [AgentRow(a, n, AgentLoad()) for a, n in names.items() if a not in snapshot.by_agent]
    agents.sort(key=lambda row: (-row.load.open, row.name))
    breaches = list(session.scalars(select(SlaBreach).order_by(SlaBreach.detected_at.desc()).limit(12)))
    open_callbacks = len(list(session.scalars(select(CallbackTask.id).where(CallbackTask.state == "open")
                                              .limit(1000))))
    return Board(snapshot, agents, breaches, open_callbacks, recent_activity(session))


def recent_activity(session: Session, limit: int = 20) -> list[Activity]:
    """The latest moves on any case (newest first), read backwards along the timeline's primary key."""
    e = TimelineEvent
    rows = session.execute(select(e.case_id, e.at, e.kind, e.actor_role, e.action, e.to_state)
                           .where(e.kind.in_(ACTIVITY_KINDS)).order_by(e.id.desc()).limit(limit))
    return [Activity(r.case_id, r.at, r.kind, r.actor_role, r.action, r.to_state) for r in rows]


def policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.tier, SlaPolicy.id)))


def agent_options(session: Session) -> list[tuple[str, str]]:
    return parties_of_kind(session, "agent")


def snapshot_age_seconds(snapshot: Snapshot, now: datetime) -> float:
    return max(0.0, (now - snapshot.at).total_seconds())
