"""The worker's health-index step: snapshots of closed periods, computed once, a minute apart at most."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from aftersales.evaluation import snapshots
from aftersales.runtime import Runtime

log = logging.getLogger(__name__)

#: closed periods are checked at most this often (each check is a few indexed reads)
CHECK_SECONDS = 60.0


def snapshot_step(runtime: Runtime, worker: str, history_months: int = 12) -> Callable[[datetime], None]:
    """A callable for the worker loop: computes any missing snapshot of the last closed month and quarter."""
    from aftersales.evaluation import service

    url = runtime.settings.resolved_database_url()
    last = [-CHECK_SECONDS]

    def build(subject_type: str, period: str) -> dict[str, object]:
        return service.evaluate_for_snapshot("db", subject_type, period, history_months=history_months,
                                             generated_at=runtime.clock.now(), database_url=url)

    def step(now: datetime) -> None:
        if time.monotonic() - last[0] < CHECK_SECONDS:
            return
        last[0] = time.monotonic()
        done = snapshots.ensure_closed(runtime.session_factory, now, build=build, worker=worker)
        for (subject_type, period), outcome in done.items():
            if outcome != "skipped":
                log.info("health-index snapshot %s %s: %s", subject_type, period, outcome)

    return step
