"""Live updates across worker processes: each process's hub polls the database's change cursor, so a case opened
through one process reaches the event streams held by every other."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from aftersales.app import create_app
from aftersales.console.live.hub import Batch, LiveHub
from aftersales.db import make_engine
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World
from tests.integration.test_case_lifecycle_api import act, open_case


def test_a_case_opened_in_one_process_reaches_the_streams_of_two_others(runtime: Runtime, world: World,
                                                                        database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(2)]  # two other processes: their own pools, own hubs
    hubs = [LiveHub(engine, poll_seconds=0.05) for engine in engines]

    async def scenario() -> tuple[str, list[Batch]]:
        subscribers = [await hub.subscribe(lambda change: True, min_interval=0.0, since=None) for hub in hubs]
        for subscriber in subscribers:  # the first batch says "refresh": the page rendered before the stream
            await asyncio.wait_for(subscriber.next_batch(0.0), 1.0)
        loop = asyncio.get_running_loop()
        case_id = await loop.run_in_executor(None, _open_elsewhere, runtime, world)
        heard = [await asyncio.wait_for(s.next_batch(0.0), 2.0) for s in subscribers]
        for hub in hubs:
            await hub.close()
        return case_id, heard

    try:
        case_id, heard = asyncio.run(scenario())
        assert all(case_id in batch.cases for batch in heard)
    finally:
        for engine in engines:
            engine.dispose()


def _open_elsewhere(runtime: Runtime, world: World) -> str:
    with TestClient(create_app(runtime, background=False)) as client:
        case = open_case(Api(client=client, tokens=world.tokens), order_id="O-1002", case_type="exchange",
                         text="这衣服太大了，想换小一码")
    return str(case["id"])


def test_a_stream_hears_only_its_case_and_a_reply_on_it(api: Api, runtime: Runtime, database_url: str) -> None:
    watched = open_case(api, order_id="O-1002", case_type="complaint", text="裙子洗一次就破了")["id"]
    other = open_case(api, order_id="O-2001", case_type="complaint", text="口红断了", who="buyer2")["id"]
    engine = make_engine(database_url)
    hub = LiveHub(engine, poll_seconds=0.05)

    async def scenario() -> frozenset[str]:
        stream = await hub.subscribe(lambda change: change.case_id == watched, min_interval=0.0, since=None)
        await asyncio.wait_for(stream.next_batch(0.0), 1.0)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: act(api, other, "reply", message="您好，马上处理"))
        await loop.run_in_executor(None, lambda: act(api, watched, "reply", message="您好，已为您登记"))
        batch = await asyncio.wait_for(stream.next_batch(0.0), 2.0)
        await hub.close()
        return batch.cases

    try:
        assert asyncio.run(scenario()) == {watched}
    finally:
        engine.dispose()
