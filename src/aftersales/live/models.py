"""Live sessions (直播场次), the anchor's recorded claims (the evidence hash chain) and its seal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class LiveSession(Base):
    __tablename__ = "live_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    anchor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    title: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: set when the session is sealed: the last hash of its evidence chain.
    root_hash: Mapped[str | None] = mapped_column(String(64))
    sealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LiveClaim(Base):
    """One claim an anchor made, as recorded: an entry of the session's evidence hash chain (live/chain.py)."""

    __tablename__ = "live_claims"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_live_claims_session_seq"),)

    #: the row order is the recording order; verification reads rows by it, so moved rows show as reordered
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    offset_ms: Mapped[int] = mapped_column(Integer)
    product_ids: Mapped[list[str]] = mapped_column(default=list)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True)
    #: derived from the text by the phrase library (not hashed: re-derivable from the hashed text)
    promise_ids: Mapped[list[str]] = mapped_column(default=list)
    recorded_by: Mapped[str | None] = mapped_column(String(40))


class LiveSeal(Base):
    """The seal of a session's chain: its root hash and how many entries it covered."""

    __tablename__ = "live_seals"

    session_id: Mapped[str] = mapped_column(ForeignKey("live_sessions.id"), primary_key=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sealed_by: Mapped[str | None] = mapped_column(String(40))
