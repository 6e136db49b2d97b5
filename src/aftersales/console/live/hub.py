"""One poller per process reads the change cursor and hands each SSE subscriber the changes it wants, throttled.

Changes go out as soon as a poll sees them; the queue counters follow separately, when this process's snapshot
has been recomputed (a count over the backlog is too slow to make every new case wait for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aftersales.cases.models import TimelineEvent
from aftersales.console.live.cursor import Change, ChangeCursor

log = logging.getLogger(__name__)
#: most rows read per poll; a burst beyond it is still seen, over the next polls
MAX_ROWS = 5000
_events = TimelineEvent.__table__.c


@dataclass(frozen=True)
class Batch:
    cases: frozenset[str]
    counters: bool
    #: the page may have missed something (it rendered before its stream opened): refresh it whole
    stale: bool = False


@dataclass(eq=False)
class Subscriber:
    """A page's event stream: the case ids changed since it last heard (and whether the counters moved), at most
    once per `min_interval`."""

    wants: Callable[[Change], bool]
    min_interval: float
    counters: bool = False
    pending: set[str] = field(default_factory=set)
    counters_moved: bool = False
    stale: bool = False
    _dirty: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, changes: list[Change]) -> None:
        for change in changes:
            if self.wants(change):
                self.pending.add(change.case_id)
        if self.pending:
            self._dirty.set()

    def counters_changed(self) -> None:
        if self.counters:
            self.counters_moved = True
            self._dirty.set()

    def poke(self) -> None:
        """Something may have changed that the page missed (it rendered before this stream opened)."""
        self.stale = True
        self._dirty.set()

    async def next_batch(self, last_sent: float) -> Batch:
        """`last_sent`: when the last batch of cases went out. Counters alone are not held back (the snapshot is
        already recomputed at most every few seconds) and do not count as a send."""
        await self._dirty.wait()
        # leading edge at once, then at most one batch per interval: a burst of intake becomes one refresh
        wait = last_sent + self.min_interval - asyncio.get_running_loop().time()
        if wait > 0 and (self.pending or self.stale):
            await asyncio.sleep(wait)
        self._dirty.clear()
        batch = Batch(frozenset(self.pending), self.counters_moved, self.stale)
        self.pending, self.counters_moved, self.stale = set(), False, False
        return batch


class LiveHub:
    def __init__(self, engine: Engine, poll_seconds: float = 0.25) -> None:
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._subscribers: set[Subscriber] = set()
        self._listeners: list[Callable[[list[Change]], None]] = []
        self._cursor: ChangeCursor | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def latest(self) -> int:
        return self._cursor.latest if self._cursor else 0

    def on_changes(self, listener: Callable[[list[Change]], None]) -> None:
        """Told of every batch of changes this process sees (it must not block: the poll loop calls it)."""
        self._listeners.append(listener)

    def counters_changed(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.counters_changed()

    async def subscribe(self, wants: Callable[[Change], bool], min_interval: float, since: int | None, *,
                        counters: bool = False) -> Subscriber:
        subscriber = Subscriber(wants, min_interval, counters)
        self._subscribers.add(subscriber)
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._cursor = ChangeCursor(await loop.run_in_executor(None, self._max_id))
            self._task = loop.create_task(self._run())
        if since is None or since < self.latest:
            subscriber.poke()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def _max_id(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.max(_events.id))).scalar() or 0)

    def _read(self, cursor: ChangeCursor) -> list[tuple[int, str, str]]:
        """Events above the newest seen, plus any that were still uncommitted below it last time."""
        columns = select(_events.id, _events.case_id, _events.kind)
        latest, gaps = cursor.latest, cursor.gaps()
        with self._engine.connect() as connection:
            rows = list(connection.execute(columns.where(_events.id > latest).order_by(_events.id)
                                           .limit(MAX_ROWS)))
            if gaps is None:
                rows += connection.execute(columns.where(_events.id > cursor.floor, _events.id <= latest))
            elif gaps:
                rows += connection.execute(columns.where(_events.id.in_(gaps)))
        return [(row.id, row.case_id, row.kind) for row in rows]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._subscribers:
            assert self._cursor is not None
            try:
                rows = await loop.run_in_executor(None, self._read, self._cursor)
            except Exception:  # the database may be restarting: keep the streams, try again next tick
                log.exception("live change poll failed")
                rows = []
            changes = self._cursor.accept(rows, loop.time())
            if changes:
                for subscriber in list(self._subscribers):
                    subscriber.offer(changes)
                for listener in self._listeners:
                    listener(changes)
            await asyncio.sleep(self._poll_seconds)

    async def close(self) -> None:
        self._subscribers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
