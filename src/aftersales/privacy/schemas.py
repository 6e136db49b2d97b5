"""The access log and erasure reports as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    action: str
    role: str
    actor: str
    token_id: int | None
    account_id: int | None
    subject_type: str
    subject_id: str
    fields: list[str]
    purpose: str
    route: str


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None


class ErasureRead(BaseModel):
    buyer_id: str
    already_erased: bool
    erased_at: datetime
    cases: int
    messages: int
    timeline_events: int
    evidence: int
    survey_texts: int
    texts_cancelled: int
    tokens_revoked: int
    accounts_closed: int
    #: stored files whose bytes are removed once the erasure committed
    files: int
