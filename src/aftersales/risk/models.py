"""Risk warnings with their evidence, the monitors' watermarks, and pre-sale delay warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class RiskWarning(Base):
    """A spike found in one (batch | product | session | anchor) × problem-class series."""

    __tablename__ = "risk_warnings"
    __table_args__ = (Index("ix_risk_warnings_state", "state", "raised_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12))  # batch | product | session | anchor
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    problem_class: Mapped[str] = mapped_column(String(30))
    #: set while the warning is open, so two monitors can never open the same warning twice (unique)
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(14), default="open")  # open | acknowledged | resolved | dismissed
    owner: Mapped[str] = mapped_column(String(40), default="emergency")
    method: Mapped[str] = mapped_column(String(40))
    #: the counts, expectation, probability and window that raised it, and the cases behind it
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    brand_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    group_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class MonitorMark(Base):
    """How far a background monitor has read (cases up to `watermark`); locked by the worker running it."""

    __tablename__ = "risk_monitor_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PresaleWarning(Base):
    """A pre-sale order warned that it may ship after its promised date (延期收货提醒), and what happened."""

    __tablename__ = "presale_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), unique=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    promised_ship_by: Mapped[datetime] = mapped_column(UtcDateTime())
    risk: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warned_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    #: filled once the order ships: whether the warning came true
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    late: Mapped[bool | None] = mapped_column()
