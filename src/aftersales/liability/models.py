"""Responsibility lists bound to products, handoffs between parties, and the double-entry liability ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime


class ResponsibilityList(Base):
    """A product's published list (责任清单); each publication is a new version, the newest is in force."""

    __tablename__ = "responsibility_lists"
    __table_args__ = (UniqueConstraint("product_id", "version", name="uq_responsibility_lists_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column()
    #: SHA-256 of the canonical JSON of `body`: what binds the list to the product
    hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(40))


class Handoff(Base):
    """A case passed from one party's queue to another's (indicators E3, C3, C4)."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_party_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))
    to_party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    to_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the case went back to a party that already held it
    loop: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("party_id", "kind", name="uq_ledger_accounts_party_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    #: liability | payout | coupon | receivable | payable | reserve | deposit | custody (see liability/ledger.py)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LedgerEntry(Base):
    """One balanced posting set: a payment on a case, a settlement, a reserve top-up or a deposit withheld."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: a caller's retry with the same reference books nothing twice
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    entry_type: Mapped[str] = mapped_column(String(20))  # case | settlement | reserve | deposit
    kind: Mapped[str | None] = mapped_column(String(20))  # refund | shipping | compensation | medical
    cause: Mapped[str | None] = mapped_column(String(30))
    medium: Mapped[str] = mapped_column(String(10), default="cash")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    rules_version: Mapped[str] = mapped_column(String(20), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str | None] = mapped_column(String(40))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LedgerPosting(Base):
    """A leg of an entry: a signed amount on one account (debit positive, credit negative)."""

    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    memo: Mapped[str] = mapped_column(String(60), default="")
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
