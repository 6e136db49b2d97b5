"""Collects concurrent intake requests and commits them together on one writer thread."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from aftersales import db_faults
from aftersales.calendars import BusinessCalendar
from aftersales.cases.intake import IntakeOutcome, IntakeRequest, open_cases
from aftersales.clock import Clock

log = logging.getLogger(__name__)


class GroupCommitter:
    """Requests that arrive while a batch is committing form the next batch: no timer, no added latency."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock, calendar: BusinessCalendar,
                 max_batch: int = 256) -> None:
        self._factory = factory
        self._clock = clock
        self._calendar = calendar
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[IntakeRequest, asyncio.Future[IntakeOutcome]]] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-writer")
        self._task: asyncio.Task[None] | None = None

    async def submit(self, request: IntakeRequest) -> IntakeOutcome:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[IntakeOutcome] = asyncio.get_running_loop().create_future()
        await self._queue.put((request, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            requests = [r for r, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._executor, open_cases, self._factory, requests,
                                                      self._clock.now(), self._calendar)
            except Exception as error:  # the database is down: every waiting caller must hear it
                if db_faults.classify(error) is None:
                    log.exception("intake batch failed")
                else:  # an outage fails every batch alike: one line each, not a traceback
                    log.warning("intake batch of %d failed: %s", len(batch), db_faults.summary(error))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=True)
