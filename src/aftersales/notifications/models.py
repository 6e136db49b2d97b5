"""Outbox deliveries, the channels they go to, and the secrets that sign webhooks in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class NotificationChannel(Base):
    """Where events go: a signed webhook, a 企业微信/钉钉 group robot, an e-mail list; optionally one party's only."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # webhook | wecom | dingtalk | email
    #: a URL (webhook, robots) or comma-separated e-mail addresses
    target: Mapped[str] = mapped_column(Text)
    #: Fernet ciphertext of the signing secret (webhook HMAC, 钉钉 加签); never shown again after creation
    secret_enc: Mapped[str | None] = mapped_column(Text)
    #: event types the channel wants (case.opened, warning.raised ...); empty: every event
    events: Mapped[list[str]] = mapped_column(default=list)
    #: only events concerning this party (a brand's own cases); None: the platform's channel, every event
    party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Delivery(Base):
    """One message to one destination: the outbox row a worker claims, sends, retries or gives up on."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # an event published twice (a monitor re-run) reaches each destination once
        UniqueConstraint("event_id", "kind", "recipient", name="uq_notification_deliveries_once"),
        Index("ix_notification_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(80), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))  # case | warning | order | survey
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("notification_channels.id"))
    kind: Mapped[str] = mapped_column(String(16))  # webhook | wecom | dingtalk | email | sms
    #: the URL or address for a channel; `buyer:<id>` for a text to a buyer (the phone is read at sending time)
    recipient: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: a claimed row is leased: a worker that dies mid-send leaves it to another once the lease runs out
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookSecret(Base):
    """A party's secret for webhooks it sends us (a carrier's logistics events), stored encrypted."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    secret_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
