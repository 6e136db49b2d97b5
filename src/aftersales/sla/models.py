"""SLA policies (an editable escalation matrix), per-case clocks and recorded breaches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class SlaPolicy(Base):
    """One row of the matrix: for a tier (and optionally a case type and priority), the budgets in minutes."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tier: Mapped[str] = mapped_column(String(2))
    case_type: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int | None] = mapped_column(Integer)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    human_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_to: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


SWEEPABLE = "stopped_at IS NULL AND breached_at IS NULL"


class SlaClock(Base):
    __tablename__ = "sla_clocks"
    __table_args__ = (Index("ix_sla_clocks_due_open", "due_at", "stopped_at", "breached_at"),
                      # the sweeper's backlog: a breached or stopped clock leaves the index, so each batch starts
                      # at the next due clock instead of stepping over every one already handled (migration 0005)
                      Index("ix_sla_clocks_sweep_due", "due_at", "id", sqlite_where=text(SWEEPABLE),
                            postgresql_where=text(SWEEPABLE)))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # first_response | human_response | resolution
    tier: Mapped[str] = mapped_column(String(2))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: running time already used before the current run segment began (pauses excluded)
    consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    segment_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SlaBreach(Base):
    __tablename__ = "sla_breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: unique: however many workers race, one clock breaches (and escalates) once
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    from_tier: Mapped[str] = mapped_column(String(2))
    to_tier: Mapped[str] = mapped_column(String(2))
    worker: Mapped[str] = mapped_column(String(60), default="")
