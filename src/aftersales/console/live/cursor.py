"""The change cursor: which timeline events are new since the last look. Pure; the caller reads the rows.

Every change to a case writes a timeline event (intake, each action, breaches, handoffs), and timeline ids only
grow, so `id > floor` on the primary key is a cheap question for any number of worker processes to ask. On
PostgreSQL ids are handed out before commit, so a lower id can become visible after a higher one: the floor
trails what was seen by a settle window, and ids above it are remembered so none is reported twice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    event_id: int
    case_id: str
    kind: str


@dataclass
class ChangeCursor:
    floor: int
    #: how long a transaction may sit between taking an id and committing it before its event is missed
    settle_seconds: float = 5.0
    _seen: set[int] = field(default_factory=set)
    _marks: deque[tuple[float, int]] = field(default_factory=deque)

    @property
    def latest(self) -> int:
        return max(self._seen, default=self.floor)

    def gaps(self, cap: int = 500) -> list[int] | None:
        """Ids at or below `latest` not seen yet (not committed, or rolled back); None when too many to list."""
        latest = self.latest
        missing = latest - self.floor - len(self._seen)
        if missing <= 0:
            return []
        if missing > cap:
            return None
        return [event_id for event_id in range(self.floor + 1, latest + 1) if event_id not in self._seen]

    def accept(self, rows: list[tuple[int, str, str]], now: float) -> list[Change]:
        """The rows (id, case_id, kind) read with `id > floor` that were not reported before, in id order."""
        fresh = [Change(event_id, case_id, kind) for event_id, case_id, kind in sorted(rows)
                 if event_id > self.floor and event_id not in self._seen]
        self._seen.update(change.event_id for change in fresh)
        self._marks.append((now, self.latest))
        self._advance(now)
        return fresh

    def _advance(self, now: float) -> None:
        settled = self.floor
        while self._marks and now - self._marks[0][0] >= self.settle_seconds:
            settled = max(settled, self._marks.popleft()[1])
        if settled > self.floor:
            self.floor = settled
            self._seen = {event_id for event_id in self._seen if event_id > settled}
