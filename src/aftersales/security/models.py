"""API tokens (stored hashed, with expiry and scopes) and the audit log (PII reads in the clear, publications,
erasures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
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
    """Who did or read what, when and why: PII reads in the clear (`pii.*`), policy publications, erasures."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    token_id: Mapped[int | None] = mapped_column(Integer)
    #: the console account, when the reader signed in through the console rather than with an API token
    account_id: Mapped[int | None] = mapped_column(Integer)
    #: the token's label or the account's username, as it was at the time
    actor: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    #: why: the task the read served (case_handling, data_export, sms_delivery ...)
    purpose: Mapped[str] = mapped_column(String(40), default="")
    #: where: the API route or console page, or the CLI command
    route: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
