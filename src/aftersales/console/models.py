"""The console's own small tables: who is looking at which case right now, and agents' saved queue filters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class CasePresence(Base):
    """A heartbeat per (case, account): kept in the database so viewers on different worker processes see each
    other."""

    __tablename__ = "console_presence"

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SavedFilter(Base):
    """A personal queue view: a name and the query string of the queue page."""

    __tablename__ = "console_saved_filters"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_console_saved_filters_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Mention(Base):
    """An @mention in an internal note, waiting in the named colleague's queue until they open the case."""

    __tablename__ = "console_mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(40))
    note_event_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(100))
    # kept empty since 0110: the queue reads the note's own text, which a buyer's erasure scrubs
    excerpt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
