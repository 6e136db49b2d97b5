"""What the governance dashboard reads: ranking, one subject, its six dimensions, its trend, and drill-down.

Every function answers from a stored snapshot (snapshots.py), never by evaluating on the request path, so
reads take milliseconds and run side by side. A closed period without a snapshot (no worker has run yet)
is computed once on its first read, by one caller per key while the others wait for that key only.
Results are plain dicts, the same the HTTP API returns (api.py shapes them per caller's visibility).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from aftersales.evaluation import snapshots
from aftersales.evaluation.snapshots import READY, Builder, Snapshot
from aftersales.problems import Conflict, InvalidInput, NotFound

#: how long a reader waits for another caller's computation of the same snapshot
WAIT_SECONDS = 600.0


class SnapshotStore(Protocol):
    def head(self, subject_type: str, period: str) -> Snapshot | None: ...
    def entry(self, snapshot: Snapshot, subject_id: str) -> dict[str, Any] | None: ...
    def compute(self, subject_type: str, period: str, build: Builder, *, worker: str, now: datetime,
                force: bool) -> str: ...


@dataclass
class DbStore:
    """Snapshots in the operational database (the worker and every API process share them)."""

    session_factory: Any

    def head(self, subject_type: str, period: str) -> Snapshot | None:
        return snapshots.read(self.session_factory, subject_type, period)

    def entry(self, snapshot: Snapshot, subject_id: str) -> dict[str, Any] | None:
        return snapshots.read_entry(self.session_factory, snapshot.id, subject_id)

    def compute(self, subject_type: str, period: str, build: Builder, *, worker: str, now: datetime,
                force: bool) -> str:
        return snapshots.compute(self.session_factory, subject_type, period, build=build, worker=worker, now=now,
                                 force=force)


@dataclass
class MemoryStore:
    """Snapshots held in this process (a folder or Spark source without a database; tests)."""

    _heads: dict[tuple[str, str], Snapshot] = field(default_factory=dict)
    _entries: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def head(self, subject_type: str, period: str) -> Snapshot | None:
        return self._heads.get((subject_type, period))

    def entry(self, snapshot: Snapshot, subject_id: str) -> dict[str, Any] | None:
        return self._entries.get(snapshot.id, {}).get(subject_id)

    def compute(self, subject_type: str, period: str, build: Builder, *, worker: str, now: datetime,
                force: bool) -> str:
        key = (subject_type, period)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one computation per key; other keys are not held up
            old = self._heads.get(key)
            if old is not None and old.status == READY and not force:
                return "skipped"
            report = build(subject_type, period)
            version = (old.version + 1) if old else 1
            snap_id = len(self._entries) + 1
            self._entries[snap_id] = {str(s["subject_id"]): s for s in report["subjects"]}
            head = {k: v for k, v in report.items() if k != "subjects"}
            self._heads[key] = Snapshot(snap_id, version, subject_type, period, READY, now, None, head)
            return "computed"


def ready_snapshot(store: SnapshotStore, subject_type: str, period: str, build: Builder, *, now: datetime,
                   worker: str = "api") -> Snapshot:
    """The ready snapshot of a closed period, computing it once if no worker has yet."""
    snap = store.head(subject_type, period)
    if snap is not None and snap.status == READY:
        return snap
    if not snapshots.is_closed(period, now):
        raise InvalidInput(f"统计期 {period} 尚未结束，健康指数按已结束的统计期计算 / period {period} has not ended: "
                           "the index is computed for closed periods", field="period")
    if snap is None or snap.status != snapshots.COMPUTING:
        store.compute(subject_type, period, build, worker=worker, now=now, force=False)
    return _wait_ready(store, subject_type, period)


def _wait_ready(store: SnapshotStore, subject_type: str, period: str) -> Snapshot:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        snap = store.head(subject_type, period)
        if snap is not None and snap.status == READY:
            return snap
        if snap is not None and snap.status == snapshots.FAILED:
            raise Conflict(f"{subject_type} {period} 的快照计算失败，可由主管重新计算 / the snapshot failed "
                           f"({snap.error}); a supervisor may recompute it", reason="snapshot_failed")
        if time.monotonic() > deadline:
            raise Conflict(f"{subject_type} {period} 的快照仍在计算 / the snapshot is still being computed",
                           reason="snapshot_computing")
        time.sleep(0.2)


def ranking(snap: Snapshot, visible: Callable[[str], bool]) -> dict[str, Any]:
    """The leaderboard: rank, index with its interval, grade or insufficient data, card, credit, coverage."""
    head = snap.report or {}
    board = head.get("leaderboard", [])
    return {"subject_type": snap.subject_type, "period": snap.period, "generated_at": head.get("generated_at"),
            "snapshot": _about(snap), "method": head.get("method"), "summary": head.get("summary"),
            "total_subjects": len(board), "leaderboard": [r for r in board if visible(r["subject_id"])]}


def _about(snap: Snapshot) -> dict[str, Any]:
    return {"version": snap.version, "computed_at": snap.computed_at.isoformat() if snap.computed_at else None}


def subject(store: SnapshotStore, snap: Snapshot, subject_id: str) -> dict[str, Any]:
    entry = store.entry(snap, subject_id)
    if entry is None:
        raise NotFound(f"无该主体的评估 / no evaluation for {snap.subject_type} {subject_id} in {snap.period}")
    head = snap.report or {}
    return {"subject_type": snap.subject_type, "period": snap.period, "generated_at": head.get("generated_at"),
            "snapshot": _about(snap), "total_subjects": len(head.get("leaderboard", [])), **entry}


def dimensions(entry: dict[str, Any]) -> dict[str, Any]:
    """The radar: six dimension scores (None = no data) with the indicators behind each."""
    by_dim: dict[str, list[dict[str, Any]]] = {}
    for row in entry["indicators"]:
        by_dim.setdefault(row["dimension"], []).append({k: row[k] for k in (
            "id", "name_zh", "name_en", "score", "score_lower", "score_upper", "status", "n")})
    return {"subject_id": entry["subject_id"], "period": entry["period"], "index": entry["index"],
            "grade": entry["grade"], "grade_status": entry["grade_status"],
            "dimensions": [{"id": d, "score": s, "interval": (entry.get("dimension_intervals") or {}).get(d),
                            "weight": entry["profile"]["applied_weights"].get(d), "indicators": by_dim.get(d, [])}
                           for d, s in entry["dimensions"].items()]}


def trend(entry: dict[str, Any]) -> dict[str, Any]:
    """Monthly index with its interval, and the 3-month forecast band."""
    return {"subject_id": entry["subject_id"], "period": entry["period"], "trend": entry["trend"],
            "forecast": entry["forecast"]}


def indicator(entry: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    """One indicator: raw value and n, estimate and interval, score, and the rows behind it."""
    row = next((r for r in entry["indicators"] if r["id"] == indicator_id.upper()), None)
    if row is None:
        raise NotFound(f"未知指标 / unknown indicator {indicator_id}")
    return {"subject_id": entry["subject_id"], "period": entry["period"], **row}
