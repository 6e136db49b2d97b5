"""Queue counters and the supervisor's live board, computed once per process per change, not once per viewer.

Counting every open case is linear in the backlog; two hundred agents' pages each counting would be two hundred
times that. The snapshot is recomputed at most once a second when the change feed reports something (and every
few seconds regardless, since deadlines pass without any event), in a worker thread; pages read the last one
and hear (SSE "counters") when a new one is ready.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftersales.cases.models import Case
from aftersales.clock import Clock
from aftersales.console.queries.queue import ACTIONABLE_STATES, SOON
from aftersales.sla.models import SlaClock

log = logging.getLogger(__name__)
MAX_AGE_SECONDS = 10.0
MIN_GAP_SECONDS = 2.0


@dataclass(frozen=True)
class AgentLoad:
    open: int = 0
    overdue: int = 0
    angry: int = 0


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    open_by_tier: dict[str, int] = field(default_factory=dict)
    due_soon: int = 0
    overdue: int = 0
    angry_waiting: int = 0
    unassigned: int = 0
    by_agent: dict[str, AgentLoad] = field(default_factory=dict)
    due_soon_by_tier: dict[str, int] = field(default_factory=dict)
    overdue_by_tier: dict[str, int] = field(default_factory=dict)
    compute_ms: float = 0.0

    @property
    def open_total(self) -> int:
        return sum(self.open_by_tier.values())

    def counters(self, agent_id: str | None, *, sees_all: bool = True) -> dict[str, int]:
        """The queue views' badges for one agent; none for a desk that sees only some cases (the emergency
        team): the snapshot counts every case, and counts of cases one may not see are not one's to know."""
        if not sees_all:
            return {}
        mine = self.by_agent.get(agent_id or "", AgentLoad()).open if agent_id else 0
        return {"all": self.open_total, "soon": self.due_soon, "overdue": self.overdue, "mine": mine,
                "angry": self.angry_waiting}


def compute(session: Session, now: datetime) -> Snapshot:
    started = time.perf_counter()
    angry = when((Case.emotion == "angry", 1), else_=0)
    open_rows = session.execute(
        select(Case.tier, Case.assigned_agent_id, func.count(), func.sum(angry))
        .where(Case.state.in_(ACTIONABLE_STATES)).group_by(Case.tier, Case.assigned_agent_id)).all()
    soonest = (select(SlaClock.case_id, func.min(SlaClock.due_at).label("due"))
               .where(SlaClock.stopped_at.is_(None), SlaClock.due_at < now + SOON)
               .group_by(SlaClock.case_id).subquery())
    late = when((soonest.c.due < now, 1), else_=0)
    due_rows = session.execute(
        select(Case.tier, Case.assigned_agent_id, func.sum(late), func.count())
        .join(soonest, soonest.c.case_id == Case.id).where(Case.state.in_(ACTIONABLE_STATES))
        .group_by(Case.tier, Case.assigned_agent_id)).all()
    counts = [(str(t), a, int(n), int(angry_n or 0)) for t, a, n, angry_n in open_rows]
    due = [(str(t), a, int(late_n or 0), int(n)) for t, a, late_n, n in due_rows]
    return _assemble(now, counts, due, (time.perf_counter() - started) * 1000)


Counts = list[tuple[str, str | None, int, int]]


def _assemble(now: datetime, open_rows: Counts, due_rows: Counts, ms: float) -> Snapshot:
    """open_rows: (tier, agent, open, angry); due_rows: (tier, agent, overdue, due within 15 min incl. overdue)."""
    by_tier: Counter[str] = Counter()
    loads: dict[str, Counter[str]] = {}
    for tier, agent, count, angry in open_rows:
        by_tier[tier] += count
        if agent is not None:
            loads.setdefault(agent, Counter()).update(open=count, angry=angry)
    overdue_by_tier: Counter[str] = Counter()
    soon_by_tier: Counter[str] = Counter()
    for tier, agent, late, total in due_rows:
        overdue_by_tier[tier] += late
        soon_by_tier[tier] += total - late
        if agent is not None:
            loads.setdefault(agent, Counter()).update(overdue=late)
    return Snapshot(at=now, open_by_tier=dict(by_tier), due_soon=sum(soon_by_tier.values()),
                    overdue=sum(overdue_by_tier.values()), angry_waiting=sum(row[3] for row in open_rows),
                    unassigned=sum(row[2] for row in open_rows if row[1] is None),
                    by_agent={a: AgentLoad(c["open"], c["overdue"], c["angry"]) for a, c in loads.items()},
                    due_soon_by_tier=dict(soon_by_tier), overdue_by_tier=dict(overdue_by_tier), compute_ms=ms)


class SnapshotCache:
    """The last snapshot of this process, recomputed in the background: when the data moved (at most every
    MIN_GAP_SECONDS) or when it is older than MAX_AGE_SECONDS; listeners hear when a new one is ready."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock
        self._current: Snapshot | None = None
        self._computed_mono = 0.0
        self._dirty = False
        self._worker: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    def on_refresh(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _compute(self) -> Snapshot:
        with self._factory() as session:
            snapshot = compute(session, self._clock.now())
        self._current, self._computed_mono = snapshot, time.monotonic()
        return snapshot

    def mark_dirty(self, *_changes: object) -> None:
        """Cases moved: recompute soon (called from the event loop, never blocks)."""
        self._dirty = True
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._refresh_while_dirty())

    async def _refresh_while_dirty(self) -> None:
        loop = asyncio.get_running_loop()
        while self._dirty:
            wait = self._computed_mono + MIN_GAP_SECONDS - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty = False
            try:
                await loop.run_in_executor(None, self._compute)
            except Exception:  # keep the previous snapshot; the next change or page load tries again
                log.exception("queue snapshot refresh failed")
                return
            for listener in self._listeners:
                listener()

    async def get(self) -> Snapshot:
        """The current snapshot; only the first call of a process waits for one to be computed."""
        if self._current is None:
            return await asyncio.get_running_loop().run_in_executor(None, self._compute)
        if time.monotonic() - self._computed_mono > MAX_AGE_SECONDS:
            self.mark_dirty()  # deadlines pass without any event: counts drift even when nothing happens
        return self._current
