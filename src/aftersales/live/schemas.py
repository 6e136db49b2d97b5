"""What crosses the live evidence API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from aftersales.live.service import MAX_OFFSET_MS


class SessionCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    anchor_id: str | None = Field(None, description="governance roles name the anchor; an anchor opens its own")
    shop_id: str | None = None
    started_at: datetime | None = Field(None, description="default: now")


class SessionRead(BaseModel):
    id: str
    anchor_id: str
    shop_id: str | None
    title: str
    started_at: datetime
    ended_at: datetime | None
    root_hash: str | None
    sealed_at: datetime | None


class ClaimCreate(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="what the anchor said, verbatim")
    offset_ms: int = Field(ge=0, le=MAX_OFFSET_MS, description="milliseconds since the stream started (≤ 7 days)")
    product_ids: list[str] = Field(default_factory=list, max_length=50)


class PromiseRead(BaseModel):
    id: str
    zh: str
    en: str
    matched: str
    days: int | None = None


class CheckableRead(BaseModel):
    kind: str
    id: str
    zh: str
    en: str
    percent: str | None = None
    days: int | None = None
    matched: str


class ClaimRead(BaseModel):
    session_id: str
    seq: int
    text: str
    offset_ms: int
    product_ids: list[str]
    recorded_at: datetime
    prev_hash: str
    hash: str
    promise_ids: list[str]
    promises: list[PromiseRead]
    checkable: list[CheckableRead]


class SealRead(BaseModel):
    session_id: str
    root_hash: str
    entry_count: int
    sealed_at: datetime


class IssueRead(BaseModel):
    kind: str
    seq: int
    position: int | None
    message_zh: str
    message_en: str


class VerifyRead(BaseModel):
    session_id: str
    ok: bool
    sealed: bool
    count: int
    root_hash: str | None
    issues: list[IssueRead]
