"""Server-sent events: one stream per page, carrying only "these cases changed"; pages fetch what they show."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from aftersales.cases import service as case_service
from aftersales.console.access import BOARD, WORKBENCH, SignedIn, allow
from aftersales.console.live.cursor import Change
from aftersales.console.live.hub import LiveHub, Subscriber
from aftersales.console.state import ConsoleState, console_state
from aftersales.runtime import Runtime
from aftersales.security.principals import Principal
from aftersales.security.sessions import ConsoleIdentity
from aftersales.web.deps import RuntimeDep

router = APIRouter(prefix="/live", include_in_schema=False)
State = Annotated[ConsoleState, Depends(console_state)]
Since = Annotated[int | None, Query(ge=0)]
#: a queue refreshes at most this often however busy intake is; a case page as soon as it changes
QUEUE_INTERVAL = 2.0
CASE_INTERVAL = 0.3
PING_SECONDS = 15


async def _events(hub: LiveHub, subscriber: Subscriber, name: str, ids_out: bool) -> AsyncIterator[dict[str, str]]:
    loop = asyncio.get_running_loop()
    last = 0.0
    try:
        while True:
            batch = await subscriber.next_batch(last)
            if batch.cases or batch.stale:
                last = loop.time()
                payload = {"cursor": hub.latest, "cases": sorted(batch.cases)[:100] if ids_out else []}
                yield {"event": name, "data": json.dumps(payload)}
            if batch.counters:
                yield {"event": "counters", "data": json.dumps({"cursor": hub.latest})}
    finally:
        hub.unsubscribe(subscriber)


@router.get("/queue")
async def queue_stream(state: State, since: Since = None,
                       identity: ConsoleIdentity = allow(WORKBENCH, BOARD)) -> EventSourceResponse:
    """Every change to any case (staff see every case): queues, counters and the board refresh on it."""
    subscriber = await state.hub.subscribe(lambda change: True, QUEUE_INTERVAL, since, counters=True)
    return EventSourceResponse(_events(state.hub, subscriber, "queue", True), ping=PING_SECONDS)


def _visible(runtime: Runtime, principal: Principal, case_id: str) -> None:
    with runtime.session() as session:
        case_service.get_visible(session, principal, case_id)  # 404 for a case the caller may not see


@router.get("/cases/{case_id}")
async def case_stream(case_id: str, state: State, runtime: RuntimeDep, identity: SignedIn,
                      since: Since = None) -> EventSourceResponse:
    """Changes to one case, for whoever may see it (the buyer, staff, the responsible party)."""
    await run_in_threadpool(_visible, runtime, identity.principal, case_id)

    def wants(change: Change) -> bool:
        return change.case_id == case_id

    subscriber = await state.hub.subscribe(wants, CASE_INTERVAL, since)
    return EventSourceResponse(_events(state.hub, subscriber, "case", False), ping=PING_SECONDS)
