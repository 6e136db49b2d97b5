"""What the console keeps per process: the live hub and the queue snapshot. Nothing per user or per page."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from aftersales.console.live.hub import LiveHub
from aftersales.console.queries.snapshot import SnapshotCache
from aftersales.runtime import Runtime


@dataclass
class ConsoleState:
    hub: LiveHub
    snapshot: SnapshotCache

    @classmethod
    def build(cls, runtime: Runtime) -> ConsoleState:
        hub = LiveHub(runtime.engine)
        snapshot = SnapshotCache(runtime.session_factory, runtime.clock)
        hub.on_changes(snapshot.mark_dirty)
        snapshot.on_refresh(hub.counters_changed)
        return cls(hub=hub, snapshot=snapshot)

    async def close(self) -> None:
        await self.hub.close()


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state
