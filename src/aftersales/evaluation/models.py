"""Health-index snapshots: each closed period's evaluation computed once and stored, so the API reads it.

A snapshot row holds the report without its subjects (summary, leaderboard, cleaning, method); one entry
row per subject holds that subject's part, so a subject's page reads one small row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class EvaluationSnapshot(Base):
    __tablename__ = "evaluation_snapshots"
    __table_args__ = (UniqueConstraint("subject_type", "period", name="uq_evaluation_snapshots_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10))
    #: computing (claimed by a worker or a supervisor's recomputation) | ready | failed
    status: Mapped[str] = mapped_column(String(12))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str] = mapped_column(String(120))
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: bumped on every recomputation, so caches keyed by it never serve an older one
    version: Mapped[int] = mapped_column(Integer, default=1)
    seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EvaluationSnapshotEntry(Base):
    __tablename__ = "evaluation_snapshot_entries"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("evaluation_snapshots.id", ondelete="CASCADE"),
                                             primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
