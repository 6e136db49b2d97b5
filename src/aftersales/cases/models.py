"""After-sales cases (售后工单), their messages, timeline and compensation offers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # a retried POST with the same key finds the first case instead of making a second one
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_cases_idempotency"),
        Index("ix_cases_created", "created_at", "id"),
        Index("ix_cases_state_tier", "state", "tier"),
        # group complaints: similar cases on one batch (else live session, else product) in a short window
        Index("ix_cases_group", "group_key", "category", "created_at"),
        # an agent's own open cases (the console's "mine" view; migration 0102)
        Index("ix_cases_assigned_state", "assigned_agent_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: None only on a group case (群体工单), which gathers other buyers' cases instead of naming an order
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[str | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    #: SHA-256 of the request body the key was first used with: the same key with another body is refused
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    case_type: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(2))
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 = most urgent
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(default=list)
    requested_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    #: what the buyer paid for the items the case names: no refund on the case may exceed it
    claimed_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))

    #: the production batch, else the live session, else the product: where a group complaint gathers
    group_key: Mapped[str | None] = mapped_column(String(40))
    #: the open group case (L3, emergency team) this case belongs to, once a spike warning gathered it
    group_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: standard | dedicated (a buyer flagged for the dedicated channel: routing only, never the decision)
    channel: Mapped[str] = mapped_column(String(16), default="standard")

    # triage
    category: Mapped[str] = mapped_column(String(30))
    categories: Mapped[dict[str, Any]] = mapped_column(default=dict)
    emotion: Mapped[str] = mapped_column(String(20), default="calm")
    secondary_category: Mapped[str | None] = mapped_column(String(30))
    emotion_intensity: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    risk_flags: Mapped[list[str]] = mapped_column(default=list)
    symptoms: Mapped[list[str]] = mapped_column(default=list)
    triage_model: Mapped[str] = mapped_column(String(40), default="")
    confirmed_category: Mapped[str | None] = mapped_column(String(30))
    answer_zh: Mapped[str] = mapped_column(Text, default="")
    answer_en: Mapped[str] = mapped_column(Text, default="")
    soothing_zh: Mapped[str | None] = mapped_column(Text)
    soothing_en: Mapped[str | None] = mapped_column(Text)
    senior_required: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_resolved: Mapped[bool] = mapped_column(Boolean, default=False)

    # policy and routing
    decision: Mapped[dict[str, Any]] = mapped_column(default=dict)
    responsible_party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    responsible_kind: Mapped[str | None] = mapped_column(String(16))
    handoff_count: Mapped[int] = mapped_column(Integer, default=0)
    assigned_agent_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))

    # a timestamp per milestone, which analytics read directly
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    human_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    return_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    return_shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the carrier's pickup of the return parcel (退货已揽收), from its signed logistics webhook
    return_collected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    return_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refund_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    exchanged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disputed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    arbitration_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __mapper_args__ = {"version_id_col": version}


class CaseItem(Base):
    """An order line the case is about, and how many of its units (one return may span several orders)."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "order_item_id", name="uq_case_items_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    paid_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # the part of the line's payment claimed


class CaseEvidence(Base):
    """A photo or document attached to a case, stored once by content (its SHA-256) in the file store."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_case_evidence_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # photo | medical_report | test_report
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_role: Mapped[str] = mapped_column(String(20))
    uploaded_by_id: Mapped[str | None] = mapped_column(String(40))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseMessage(Base):
    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(20))  # buyer | ai | agent | supervisor | brand | ...
    author_id: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: automated QC of staff replies (None for buyer and AI messages): tone and service faults
    sentiment: Mapped[str | None] = mapped_column(String(12))
    quality_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    quality_flags: Mapped[list[str]] = mapped_column(default=list)


class TimelineEvent(Base):
    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(30))  # opened | transition | triage | sla_breach | ...
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buyer_visible: Mapped[bool] = mapped_column(Boolean, default=True)


class CompensationOffer(Base):
    """A care package or goodwill offer (coupon, samples, points, cash); its acceptance feeds indicator M2."""

    __tablename__ = "compensation_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # coupon | samples | points | cash | medical
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
