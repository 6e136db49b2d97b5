"""The worker's health-index step: snapshots of closed periods, computed once, off the SLA sweep's path.

A snapshot can take minutes on a large database (twelve months of trend per subject type), so in the
worker's loop it runs in its own thread: SLA escalations never wait behind an index computation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from aftersales.evaluation import snapshots
from aftersales.runtime import Runtime

log = logging.getLogger(__name__)

#: closed periods are checked at most this often (each check is a few indexed reads)
CHECK_SECONDS = 60.0


def snapshot_step(runtime: Runtime, worker: str, history_months: int = 12) -> Callable[[datetime], None]:
    """One pass: computes any missing snapshot of the last closed month and quarter of every subject type."""
    from aftersales.evaluation import service

    url = runtime.settings.resolved_database_url()

    def build(subject_type: str, period: str) -> dict[str, object]:
        return service.evaluate_for_snapshot("db", subject_type, period, history_months=history_months,
                                             generated_at=runtime.clock.now(), database_url=url)

    def step(now: datetime) -> None:
        done = snapshots.ensure_closed(runtime.session_factory, now, build=build, worker=worker)
        for (subject_type, period), outcome in done.items():
            if outcome != "skipped":
                log.info("health-index snapshot %s %s: %s", subject_type, period, outcome)

    return step


def start_snapshot_thread(runtime: Runtime, worker: str, stop: threading.Event) -> threading.Thread:
    """Run `snapshot_step` every CHECK_SECONDS until `stop` is set (a daemon: it never holds up an exit)."""
    step = snapshot_step(runtime, worker)

    def loop() -> None:
        while not stop.is_set():
            try:
                step(runtime.clock.now())
            except Exception:  # a failed pass is logged and retried; it must not end the worker
                log.exception("health-index snapshot pass failed")
            stop.wait(CHECK_SECONDS)

    thread = threading.Thread(target=loop, name="index-snapshots", daemon=True)
    thread.start()
    return thread
