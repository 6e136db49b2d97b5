"""What crosses the API for risk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aftersales.risk.models import RiskWarning


class RatePage(BaseModel):
    by: str
    start: datetime
    end: datetime
    items: list[dict[str, Any]]


class WarningRead(BaseModel):
    id: str
    dimension: str
    subject_id: str
    subject_name: str
    problem_class: str
    state: str
    owner: str
    method: str
    evidence: dict[str, Any]
    case_count: int
    group_case_id: str | None
    brand_id: str | None
    raised_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    note: str

    @classmethod
    def of(cls, warning: RiskWarning, members: int) -> WarningRead:
        return cls(id=warning.id, dimension=warning.dimension, subject_id=warning.subject_id,
                   subject_name=warning.subject_name, problem_class=warning.problem_class, state=warning.state,
                   owner=warning.owner, method=warning.method, evidence=dict(warning.evidence or {}),
                   case_count=max(members, warning.case_count), group_case_id=warning.group_case_id,
                   brand_id=warning.brand_id, raised_at=warning.raised_at, updated_at=warning.updated_at,
                   closed_at=warning.closed_at, note=warning.note)


class WarningMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000, description="处理说明 / what was done, or why dismissed")


class PresaleWarningRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: str
    shop_id: str
    promised_ship_by: datetime
    risk: float
    reasons: list[str]
    evidence: dict[str, Any]
    warned_at: datetime
    shipped_at: datetime | None
    late: bool | None


class BuyerFlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    buyer_id: str
    orders: int
    returns: int
    return_rate: float
    flagged: bool
    channel: str
    flagged_at: datetime | None
