"""What crosses the API for cases: requests, the case as each role may see it, timeline and progress."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aftersales.money import Amount
from aftersales.vocabulary import CaseType


class CaseItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str | None = Field(None, min_length=1, max_length=40,
                                 description="其他订单（同一买家、同一店铺）/ another order of the same buyer and shop")
    line_no: int = Field(ge=1, le=200, description="订单行号 / order line number")
    quantity: int | None = Field(None, ge=1, le=10000, description="件数，默认整行 / units, default the whole line")


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=40, description="订单号 / the order the case is about")
    items: list[CaseItemIn] | None = Field(None, min_length=1, max_length=50,
                                           description="涉及的商品行，默认整单 / the lines concerned, default all")
    case_type: CaseType = Field(description="售后类型 / refund_only, return_refund, exchange, ...")
    text: str = Field(min_length=1, max_length=4000, description="买家描述 / the buyer's words")
    attachments: list[str] = Field(default_factory=list, max_length=20,
                                   description="凭证（照片、视频、检测报告）的存储引用 / evidence references")
    requested_amount: Amount | None = None
    item_state: Literal["unopened", "opened_unused", "used"] | None = Field(
        None, description="商品状态：未拆封/已拆封未使用/已使用 / item state, if the buyer says")
    evidence: list[Literal["photo", "video", "medical_report", "test_report"]] = Field(
        default_factory=list, max_length=10, description="已上传凭证的种类 / kinds of evidence attached")
    buyer_id: str | None = Field(None, description="客服代买家提交时必填 / required when staff file for a buyer")


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str | None = Field(None, max_length=4000, description="回复或说明 / reply or note")
    reason: str | None = Field(None, max_length=1000, description="操作原因（记入时间线） / why")
    expected_version: int | None = Field(None, ge=1, description="乐观锁：调用方看到的版本 / version seen")
    tracking_no: str | None = Field(None, max_length=60)
    carrier_code: str | None = Field(None, max_length=40)
    amount: Amount | None = None
    confirmed_category: str | None = Field(None, max_length=30, description="客服确认的问题类型")
    outcome: str | None = Field(None, max_length=40, description="仲裁结论 / arbitration outcome")


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csat: int = Field(ge=1, le=5, description="满意度 1–5")
    nps: int = Field(ge=0, le=10, description="推荐意愿 0–10")
    comment: str = Field("", max_length=2000)


class CallbackOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(min_length=1, max_length=2000, description="回访结果 / what the callback achieved")
    satisfaction: int | None = Field(None, ge=1, le=5, description="买家对回访的满意度")


class ClockRead(BaseModel):
    kind: str
    tier: str
    started_at: datetime
    due_at: datetime | None
    due_at_local: str | None
    paused: bool
    paused_at: datetime | None
    stopped_at: datetime | None
    breached_at: datetime | None
    business_hours: bool
    consumed_seconds: float


class BuyerContact(BaseModel):
    buyer_id: str
    name: str
    phone: str
    address: str
    masked: bool


class CaseItemRead(BaseModel):
    order_id: str
    order_item_id: int
    line_no: int
    product_id: str
    quantity: int
    paid_amount: Decimal


class CaseRead(BaseModel):
    id: str
    #: None on a group case (群体工单), which gathers member cases instead (see group_id, members)
    order_id: str | None
    items: list[CaseItemRead] = Field(default_factory=list)
    claimed_amount: Decimal = Decimal("0")
    buyer_id: str | None
    #: the group case (群体工单) gathering this one, once a spike warning did
    group_id: str | None = None
    #: standard | dedicated (the buyer's dedicated channel)
    channel: str = "standard"
    case_type: str
    state: str
    tier: str
    priority: int
    version: int
    text: str
    attachments: list[str]
    category: str
    categories: dict[str, float]
    emotion: str
    emotion_intensity: float = 0.0
    secondary_category: str | None = None
    confidence: float
    risk_flags: list[str]
    symptoms: list[str]
    answer: str
    answer_en: str
    soothing_script: str | None = None
    senior_required: bool
    ai_resolved: bool
    decision: dict[str, Any]
    responsible_party_id: str | None
    responsible_kind: str | None
    handoff_count: int
    assigned_agent_id: str | None = None
    refund_amount: Decimal | None
    created_at: datetime
    created_at_local: str
    updated_at: datetime
    first_response_at: datetime | None
    human_response_at: datetime | None
    escalated_at: datetime | None
    refunded_at: datetime | None
    closed_at: datetime | None
    allowed_actions: list[str]
    clocks: list[ClockRead]
    buyer: BuyerContact | None = None
    claims: list[dict[str, Any]] = Field(default_factory=list)


class CasePage(BaseModel):
    items: list[CaseRead]
    next_cursor: str | None


class TimelineEntry(BaseModel):
    at: datetime
    at_local: str
    kind: str
    actor_role: str
    action: str | None
    from_state: str | None
    to_state: str | None
    reason: str
    data: dict[str, Any]


class ProgressStep(BaseModel):
    key: str
    label: str
    label_en: str
    done: bool
    current: bool
    at: datetime | None = None


class ProgressRead(BaseModel):
    case_id: str
    state: str
    steps: list[ProgressStep]
    current_step: str
    eta: str | None
    eta_en: str | None
    eta_date: str | None


class DecisionOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["approve", "deny", "needs_evidence", "needs_human"]
    remedy: Literal["refund", "return_refund", "exchange", "repair", "none"] | None = None
    refund_amount: Amount | None = None
    reason: str = Field(min_length=2, max_length=1000, description="推翻规则结论的理由（必填，记入时间线）")


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["coupon", "samples", "points", "cash", "medical"]
    amount: Amount = Decimal("0")


class OfferAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: bool


class OfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: str
    kind: str
    amount: Decimal
    offered_at: datetime
    accepted: bool | None
    responded_at: datetime | None


class QueueItem(BaseModel):
    case: CaseRead
    next_due_at: datetime | None
    next_due_local: str | None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: str
    kind: str
    content_type: str
    size_bytes: int
    filename: str
    sha256: str
    uploaded_by_role: str
    uploaded_at: datetime
    url: str = ""


class EvidenceAttached(BaseModel):
    evidence: EvidenceRead
    #: the decision was waiting for this evidence and was taken again
    redecided: bool
    case: CaseRead
