"""Snapshots: each closed period's evaluation computed once, stored, and read by the API.

`aftersales worker` calls `ensure_closed` on every loop: for each subject type, the last closed month and
quarter get a snapshot if they have none. A row is claimed before the work (its unique key makes a second
worker's claim fail), so any number of workers compute each snapshot once; a claim older than
`STALE_CLAIM` is taken over (its worker died). Recomputing a ready snapshot is a supervisor's explicit action
(`recompute`), and bumps the version so no cache serves the old one.
Reading does not lock anything: concurrent requests for different (or the same) subjects run side by side.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.clock import to_shanghai
from aftersales.evaluation.models import EvaluationSnapshot, EvaluationSnapshotEntry

log = logging.getLogger(__name__)

SNAPSHOT_TYPES = ("anchor", "brand", "shop", "mcn", "platform")
STALE_CLAIM = timedelta(hours=2)
READY, COMPUTING, FAILED = "ready", "computing", "failed"

Builder = Callable[[str, str], dict[str, Any]]


def closed_periods(now: datetime) -> list[str]:
    """The last closed month and the last closed quarter on the Shanghai calendar."""
    local = to_shanghai(now)
    month = f"{local.year - 1}-12" if local.month == 1 else f"{local.year}-{local.month - 1:02d}"
    quarter_now = (local.month - 1) // 3 + 1
    quarter = f"{local.year - 1}-Q4" if quarter_now == 1 else f"{local.year}-Q{quarter_now - 1}"
    return [month, quarter]


def is_closed(period: str, now: datetime) -> bool:
    """A period is closed once it has ended (Shanghai calendar)."""
    from aftersales.evaluation.periods import parse_period

    return parse_period(period).end <= now


def _claim(session_factory: sessionmaker[Session], subject_type: str, period: str, worker: str,
           now: datetime, force: bool) -> int | None:
    """The snapshot id this caller may compute, or None when it is ready or another caller has it."""
    with session_factory() as session:
        row = session.scalars(select(EvaluationSnapshot).where(
            EvaluationSnapshot.subject_type == subject_type, EvaluationSnapshot.period == period)
            .with_for_update(skip_locked=True)).first()
        if row is None:
            return _insert_claim(session, subject_type, period, worker, now)
        busy = row.status == COMPUTING and row.claimed_at > now - STALE_CLAIM
        if busy or (row.status == READY and not force):
            return None
        row.status, row.claimed_at, row.claimed_by, row.error = COMPUTING, now, worker, None
        if force:
            row.version += 1
        session.commit()
        return row.id


def _insert_claim(session: Session, subject_type: str, period: str, worker: str, now: datetime) -> int | None:
    snapshot = EvaluationSnapshot(subject_type=subject_type, period=period, status=COMPUTING, claimed_at=now,
                                  claimed_by=worker, version=1)
    session.add(snapshot)
    try:
        session.commit()
    except IntegrityError:  # another worker claimed the same key a moment earlier
        session.rollback()
        return None
    return snapshot.id


def _store(session_factory: sessionmaker[Session], snapshot_id: int, report: dict[str, Any], seconds: float,
           now: datetime) -> None:
    """The report without its subjects on the snapshot row, one entry row per subject: one unit of work."""
    head = {k: v for k, v in report.items() if k != "subjects"}
    entries = [{"snapshot_id": snapshot_id, "subject_id": str(s["subject_id"]), "entry": s}
               for s in report["subjects"]]
    with session_factory() as session, session.begin():
        session.execute(delete(EvaluationSnapshotEntry).where(EvaluationSnapshotEntry.snapshot_id == snapshot_id))
        if entries:
            session.execute(insert(EvaluationSnapshotEntry), entries)
        session.execute(update(EvaluationSnapshot).where(EvaluationSnapshot.id == snapshot_id).values(
            status=READY, computed_at=now, seconds=seconds, report=head, error=None))


def _fail(session_factory: sessionmaker[Session], snapshot_id: int, error: str) -> None:
    with session_factory() as session, session.begin():
        session.execute(update(EvaluationSnapshot).where(EvaluationSnapshot.id == snapshot_id).values(
            status=FAILED, error=error[:2000]))


def compute(session_factory: sessionmaker[Session], subject_type: str, period: str, *, build: Builder,
            worker: str, now: datetime, force: bool = False) -> str:
    """Claim, compute and store one snapshot: `computed`, `skipped` (ready or claimed elsewhere) or `failed`."""
    snapshot_id = _claim(session_factory, subject_type, period, worker, now, force)
    if snapshot_id is None:
        return "skipped"
    started = time.perf_counter()
    try:
        report = build(subject_type, period)
    except Exception as exc:  # a failed evaluation is recorded on its row and retried by a supervisor
        log.exception("snapshot %s %s failed", subject_type, period)
        _fail(session_factory, snapshot_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    _store(session_factory, snapshot_id, report, time.perf_counter() - started, now)
    return "computed"


def ensure_closed(session_factory: sessionmaker[Session], now: datetime, *, build: Builder, worker: str,
                  subject_types: tuple[str, ...] = SNAPSHOT_TYPES) -> dict[tuple[str, str], str]:
    """Every subject type's last closed month and quarter get a snapshot if they have none (worker loop)."""
    return {(stype, period): compute(session_factory, stype, period, build=build, worker=worker, now=now)
            for period in closed_periods(now) for stype in subject_types}


@dataclass(frozen=True)
class Snapshot:
    id: int
    version: int
    subject_type: str
    period: str
    status: str
    computed_at: datetime | None
    error: str | None
    report: dict[str, Any] | None


_HEADS: dict[tuple[int, int], dict[str, Any]] = {}
_HEADS_LOCK = Lock()  # guards the dict only, never held while reading the database


def read(session_factory: sessionmaker[Session], subject_type: str, period: str) -> Snapshot | None:
    """The snapshot's row and its report head (leaderboard, summary, cleaning), cached per version."""
    with session_factory() as session:
        meta = session.execute(select(EvaluationSnapshot.id, EvaluationSnapshot.version, EvaluationSnapshot.status,
                                      EvaluationSnapshot.computed_at, EvaluationSnapshot.error).where(
            EvaluationSnapshot.subject_type == subject_type, EvaluationSnapshot.period == period)).first()
        if meta is None:
            return None
        key = (meta.id, meta.version)
        head = _HEADS.get(key) if meta.status == READY else None
        if head is None and meta.status == READY:
            head = session.scalar(select(EvaluationSnapshot.report).where(EvaluationSnapshot.id == meta.id))
            with _HEADS_LOCK:
                if len(_HEADS) > 64:
                    _HEADS.clear()
                _HEADS[key] = head or {}
    return Snapshot(meta.id, meta.version, subject_type, period, meta.status, meta.computed_at, meta.error, head)


def read_entry(session_factory: sessionmaker[Session], snapshot_id: int, subject_id: str) -> dict[str, Any] | None:
    with session_factory() as session:
        return session.scalar(select(EvaluationSnapshotEntry.entry).where(
            EvaluationSnapshotEntry.snapshot_id == snapshot_id, EvaluationSnapshotEntry.subject_id == subject_id))


def list_snapshots(session_factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with session_factory() as session:
        rows = session.execute(select(
            EvaluationSnapshot.subject_type, EvaluationSnapshot.period, EvaluationSnapshot.status,
            EvaluationSnapshot.version, EvaluationSnapshot.computed_at, EvaluationSnapshot.seconds,
            EvaluationSnapshot.claimed_by, EvaluationSnapshot.error)
            .order_by(EvaluationSnapshot.period.desc(), EvaluationSnapshot.subject_type)).all()
    return [{**row._asdict(), "computed_at": row.computed_at.isoformat() if row.computed_at else None}
            for row in rows]
