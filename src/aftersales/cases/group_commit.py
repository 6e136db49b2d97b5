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
#: at most this many loop rounds spent gathering a batch; stop after this many rounds in a row bring no one
GATHER_ROUNDS = 8
GATHER_IDLE_ROUNDS = 2


class GroupCommitter:
    """Requests that arrive while a batch is committing form the next batch, with those a loop round or two
    away: no timer, no added latency."""

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
            await self._gather()
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

    async def _gather(self) -> None:
        """Let the requests the loop has already read catch this batch: a few loop rounds, no timer.

        A batch costs ~10 ms of CPU whatever its size (a dozen indexed reads, the commit) and each case less
        than 1 ms, so a batch of 32 costs half as much per case as one of 8. Right after a commit, requests
        whose bodies are already in are a round or two of the loop away from `submit`; waiting for them
        costs microseconds. Stops at the first rounds that bring nobody, or once the batch is full."""
        assert self._queue is not None
        idle = 0
        for _ in range(GATHER_ROUNDS):
            if idle >= GATHER_IDLE_ROUNDS or self._queue.qsize() + 1 >= self._max_batch:
                return
            before = self._queue.qsize()
            await asyncio.sleep(0)
            idle = idle + 1 if self._queue.qsize() == before else 0

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._executor.shutdown(wait=True)
