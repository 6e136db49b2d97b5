"""Live sessions (直播场次). Claims and the evidence chain are added by the live evidence work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base


class LiveSession(Base):
    __tablename__ = "live_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    anchor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    title: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: set when the session is sealed: the last hash of its evidence chain.
    root_hash: Mapped[str | None] = mapped_column(String(64))
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
