"""Health-index reports for the dashboard and the portal, read from the evaluation's stored snapshots.

A closed period's index is computed once (by `aftersales worker`, or on the first read here) and stored; reads
take milliseconds and any worker process shares them. A running month has no index yet: its pages say so and
its drill-down lists the cases so far, read live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales.clock import to_shanghai
from aftersales.evaluation import dashboard, snapshots
from aftersales.evaluation.dashboard import DbStore
from aftersales.runtime import Runtime

SUBJECT_TYPES = ("anchor", "brand", "shop", "mcn")
DIMENSIONS = ("response", "resolution", "satisfaction", "responsibility", "technology", "empathy")
HISTORY_MONTHS = 12


@dataclass(frozen=True)
class Report:
    """A closed period's ranking (`board` as evaluation.dashboard.ranking answers it), or None while running."""

    subject_type: str
    period: str
    board: dict[str, Any] | None
    snapshot: snapshots.Snapshot | None

    @property
    def running(self) -> bool:
        return self.board is None


def current_period(now: datetime) -> str:
    return to_shanghai(now).strftime("%Y-%m")


def recent_periods(now: datetime, count: int = 6) -> list[str]:
    """This month (still running) and the months before it, newest first (Shanghai calendar)."""
    local = to_shanghai(now)
    year, month = local.year, local.month
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


def default_period(now: datetime) -> str:
    """Governance judges closed months (cards count consecutive months): the last complete one."""
    return recent_periods(now, 2)[1]


def _builder(runtime: Runtime) -> snapshots.Builder:
    from aftersales.evaluation import service

    def build(subject_type: str, period: str) -> dict[str, Any]:
        return service.evaluate_for_snapshot("db", subject_type, period, history_months=HISTORY_MONTHS,
                                             generated_at=runtime.clock.now(),
                                             database_url=runtime.settings.resolved_database_url())

    return build


def _label(subject_type: str, period: str) -> str:
    from aftersales.evaluation import service

    return service.check_options(service.Options(subject_type=subject_type, period=period))


def report(runtime: Runtime, subject_type: str, period: str, *, fresh: bool = False,
           worker: str = "console") -> Report:
    """The period's snapshot (computed once if missing; again when `fresh`, a governance action)."""
    label = _label(subject_type, period)
    now = runtime.clock.now()
    if not snapshots.is_closed(label, now):
        return Report(subject_type, label, None, None)
    store = DbStore(runtime.session_factory)
    if fresh:
        store.compute(subject_type, label, _builder(runtime), worker=worker, now=now, force=True)
    snap = dashboard.ready_snapshot(store, subject_type, label, _builder(runtime), now=now, worker=worker)
    return Report(subject_type, label, dashboard.ranking(snap, lambda _sid: True), snap)


def subject(runtime: Runtime, found: Report, subject_id: str) -> dict[str, Any]:
    """One subject's entry (NotFound if the period did not evaluate it)."""
    assert found.snapshot is not None
    return dashboard.subject(DbStore(runtime.session_factory), found.snapshot, subject_id)
