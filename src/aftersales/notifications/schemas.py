"""What crosses the API for notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="名称 / name")
    kind: Literal["webhook", "wecom", "dingtalk", "email"] = Field(
        description="webhook（HMAC签名）、企业微信/钉钉群机器人、邮件 / signed webhook, group robot or e-mail")
    target: str = Field(min_length=3, max_length=2000, description="URL 或逗号分隔的邮箱 / URL or e-mails")
    events: list[str] = Field(default_factory=list, max_length=20, description="订阅的事件，空为全部 / events")
    party_id: str | None = Field(None, max_length=40, description="只接收该主体的事件 / only this party's")
    secret: str | None = Field(None, max_length=200, description="钉钉加签密钥（SEC…）/ 钉钉 signing secret")


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    target: str
    events: list[str]
    party_id: str | None
    active: bool
    created_at: datetime


class ChannelCreated(ChannelRead):
    #: the webhook's signing secret, shown this once
    secret: str | None = None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    event_type: str
    subject_type: str
    subject_id: str
    channel_id: int | None
    kind: str
    recipient: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    payload: dict[str, Any]


class SecretIssued(BaseModel):
    party_id: str
    secret: str
    header_sender: str
    header_timestamp: str
    header_signature: str
    scheme: str
