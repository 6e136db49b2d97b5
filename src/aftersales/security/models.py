"""API tokens (stored hashed, with expiry and scopes) and the audit log of PII access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    buyer_id: Mapped[str | None] = mapped_column(ForeignKey("buyers.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: NULL: never expires (tokens issued before expiry existed, or created with `--ttl never`)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: refreshed at most once a minute per token and process, in batches, so a request never waits on a write
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: space-separated subset of security.scopes.SCOPES
    scopes: Mapped[str] = mapped_column(String(60), default="read write", server_default="read write")


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    token_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
