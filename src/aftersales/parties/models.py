"""Parties (platform, shops, brands, anchors, MCNs, carriers, agents, suppliers) and buyers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aftersales.db import Base, UtcDateTime

PARTY_KINDS = ("platform", "shop", "brand", "anchor", "mcn", "carrier", "agent", "supplier")


class Party(Base):
    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: anchor → its MCN, shop → its brand, agent → its team lead; lets an MCN see its anchors' cases.
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    #: kind-specific facts: an agent's seniority, a factory's alliance membership, a carrier's code.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Buyer(Base):
    __tablename__ = "buyers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Fernet ciphertexts of the name, phone and address; only security.pii reads or writes them.
    name_enc: Mapped[str] = mapped_column(Text)
    phone_enc: Mapped[str] = mapped_column(Text)
    address_enc: Mapped[str] = mapped_column(Text)
    #: the province, kept in clear for routing and analytics (not enough to find a person)
    region: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: when the buyer's personal data was erased: the row stays, so cases, orders and the ledger keep their keys
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BuyerFlag(Base):
    """A buyer whose historic return rate offers them a dedicated channel (专属通道); computed by `risk`.

    Never a penalty: the policy decision of a flagged buyer's case is the same as anyone's.
    """

    __tablename__ = "buyer_flags"

    buyer_id: Mapped[str] = mapped_column(ForeignKey("buyers.id"), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    returns: Mapped[int] = mapped_column(Integer)
    return_rate: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="dedicated")
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
