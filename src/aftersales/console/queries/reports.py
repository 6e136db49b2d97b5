"""Health-index reports for the dashboard and the portal, cached per process.

An evaluation reads every case of the period (seconds on a year of data), so a report is built once per
(database, subject type, period) and kept for five minutes; "recompute" is an explicit action. When the health
index snapshots of the index work land, this module is the one place that switches to reading them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from threading import Lock
from typing import Any

from aftersales.clock import to_shanghai

CACHE_SECONDS = 300.0
SUBJECT_TYPES = ("anchor", "brand", "shop", "mcn")
DIMENSIONS = ("response", "resolution", "satisfaction", "responsibility", "technology", "empathy")


class ReportCache:
    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
        self._locks: dict[tuple[str, ...], Lock] = {}
        self._guard = Lock()

    def get(self, key: tuple[str, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        hit = self._entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        with self._guard:
            lock = self._locks.setdefault(key, Lock())
        with lock:  # one build per key; a second request for the same report waits and reuses it
            hit = self._entries.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            report = build()
            self._entries[key] = (time.monotonic() + self._ttl, report)
            return report

    def forget(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)


_cache = ReportCache()


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


def report(database_url: str, subject_type: str, period: str, now: datetime, *, fresh: bool = False) -> dict[str, Any]:
    from aftersales.evaluation import service

    key = (database_url, subject_type, period)
    if fresh:
        _cache.forget(key)
    options = service.Options(subject_type=subject_type, period=period, validate=False, history_months=6)
    service.check_options(options)
    return _cache.get(key, lambda: service.evaluate("db", options, generated_at=now, database_url=database_url))


def subject(report_: dict[str, Any], subject_id: str) -> dict[str, Any] | None:
    return next((s for s in report_["subjects"] if s["subject_id"] == subject_id), None)
