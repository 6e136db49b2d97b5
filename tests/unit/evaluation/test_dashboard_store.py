"""Snapshot reads do not queue: a slow computation of one key holds up only that key."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from aftersales.evaluation import dashboard
from aftersales.evaluation.dashboard import MemoryStore
from aftersales.problems import InvalidInput

NOW = datetime(2026, 11, 11, tzinfo=UTC)


def _report(subject_type: str, period: str) -> dict[str, Any]:
    return {"subject_type": subject_type, "period": period, "leaderboard": [{"subject_id": "a1"}],
            "subjects": [{"subject_id": "a1", "period": period}]}


def test_a_slow_snapshot_does_not_hold_up_another_key() -> None:
    store = MemoryStore()
    dashboard.ready_snapshot(store, "brand", "2026-10", _report, now=NOW)
    release = threading.Event()

    def slow(subject_type: str, period: str) -> dict[str, Any]:
        release.wait(10)
        return _report(subject_type, period)

    worker = threading.Thread(target=dashboard.ready_snapshot, args=(store, "anchor", "2026-10", slow),
                              kwargs={"now": NOW})
    worker.start()
    snap = dashboard.ready_snapshot(store, "brand", "2026-10", _report, now=NOW)
    # answered while the anchor snapshot is still being computed (its builder waits for `release`)
    assert worker.is_alive() and store.head("anchor", "2026-10") is None
    assert dashboard.subject(store, snap, "a1")["subject_id"] == "a1"
    release.set()
    worker.join()
    assert store.head("anchor", "2026-10") is not None


def test_an_open_period_is_refused_and_computes_nothing() -> None:
    store = MemoryStore()
    with pytest.raises(InvalidInput):
        dashboard.ready_snapshot(store, "anchor", "2026-11", _report, now=NOW)
    assert store.head("anchor", "2026-11") is None
