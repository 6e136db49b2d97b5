"""What crosses the liability API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from aftersales.money import PositiveAmount


class ListPublish(BaseModel):
    anchor_id: str | None = Field(None, description="the anchor selling it, when the list names one")
    carrier_id: str | None = Field(None, description="the contracted carrier, when the list names one")


class ListRead(BaseModel):
    product_id: str
    version: int
    hash: str
    verified: bool
    published_at: datetime
    body: dict[str, Any]


class RerouteRequest(BaseModel):
    to_party_id: str
    reason: str = Field(min_length=1, max_length=500)


class HandoffRead(BaseModel):
    case_id: str
    from_party_id: str | None
    to_party_id: str
    to_kind: str
    reason: str
    loop: bool
    actor_role: str
    at: datetime
    handoff_count: int


class PostingRequest(BaseModel):
    kind: str = Field(description="refund | shipping | compensation | medical")
    cause: str | None = Field(None, description="a cause id of splits.toml (exaggerated_claim, false_advertising, "
                              "quality, transit ...); default: from the party holding the case and its class")
    amount: PositiveAmount
    medium: str | None = Field(None, description="cash | coupon | points; default from the cause")
    reference: str | None = Field(None, max_length=100, description="retry-safe key")


class ReserveRequest(BaseModel):
    brand_id: str
    gmv: PositiveAmount
    rate: Decimal | None = Field(None, ge=0, le=1, max_digits=6, allow_inf_nan=False,
                                 description="within the configured band (default 3–5%)")
    reference: str | None = Field(None, max_length=100)


class DepositRequest(BaseModel):
    supplier_id: str
    payment: PositiveAmount
    reference: str | None = Field(None, max_length=100)


class SettleRequest(BaseModel):
    debtor_id: str
    creditor_id: str
    amount: PositiveAmount
    source: str = Field("direct", description="direct | reserve | deposit")
    reference: str | None = Field(None, max_length=100)


class EntryRead(BaseModel):
    id: int
    entry_type: str
    case_id: str | None
    kind: str | None
    cause: str | None
    medium: str
    amount: Decimal
    rules_version: str
    posted_at: datetime
    legs: list[dict[str, Any]]


class AccountRead(BaseModel):
    account: str
    label_zh: str
    label_en: str
    opening: Decimal
    debits: Decimal
    credits: Decimal
    closing: Decimal


class StatementRead(BaseModel):
    party_id: str
    party_name: str
    month: str
    accounts: list[AccountRead]
    lines: list[dict[str, str]]
