"""Orders and logistics events as integrators send them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BuyerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^\+?[0-9\- ]{6,20}$", description="手机号（加密存储） / stored encrypted")
    address: str = Field(min_length=2, max_length=300, description="收货地址（加密存储） / stored encrypted")
    region: str = Field("", max_length=40, description="省份 / province, kept in clear for analytics")


class OutboundShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier_id: str | None = Field(None, max_length=40)
    tracking_no: str = Field(min_length=3, max_length=60)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, description="订单号 / order number")
    buyer: BuyerIn
    product_id: str = Field(min_length=1, max_length=40)
    batch_id: str | None = Field(None, max_length=40)
    live_session_id: str | None = Field(None, max_length=40)
    anchor_id: str | None = Field(None, max_length=40)
    quantity: int = Field(1, ge=1, le=10000)
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="实付金额（元） / amount paid, CNY")
    placed_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    presale: bool = False
    promised_ship_by: datetime | None = None
    shipping_insurance: bool = False
    outbound: OutboundShipmentIn | None = None

    @model_validator(mode="after")
    def _milestones_in_order(self) -> OrderIn:
        previous_name, previous = "placed_at", self.placed_at
        for name in ("paid_at", "shipped_at", "delivered_at"):
            value = getattr(self, name)
            if value is None:
                continue
            if _naive(value) or _naive(previous):
                raise ValueError(f"{name}: 时间须带时区 / timestamps need a time zone")
            if value < previous:
                raise ValueError(f"{name} 早于 {previous_name} / {name} is before {previous_name}")
            previous_name, previous = name, value
        return self


def _naive(moment: datetime) -> bool:
    return moment.tzinfo is None


class OrderOut(BaseModel):
    id: str
    buyer_id: str
    product_id: str
    brand_id: str
    shop_id: str
    anchor_id: str | None
    live_session_id: str | None
    amount: Decimal
    placed_at: datetime
    delivered_at: datetime | None
    presale: bool
    shipping_insurance: bool


class RowError(BaseModel):
    row: int
    field: str
    reason: str


class BulkResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]


class LogisticsEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_no: str = Field(min_length=3, max_length=60)
    carrier_code: str = Field(min_length=1, max_length=40)
    status: Literal["collected", "in_transit", "out_for_delivery", "delivered", "exception"]
    occurred_at: datetime
    description: str = Field("", max_length=500)
    location: str = Field("", max_length=100)


class LogisticsEventOut(BaseModel):
    accepted: bool
    duplicate: bool
    case_id: str | None
    order_id: str | None
