"""Product price changes as integrators send them, and as the API answers them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from aftersales.clock import FIRST_YEAR, LAST_YEAR, year_supported
from aftersales.money import Amount, PositiveAmount


class PriceSource(StrEnum):
    list = "list"  # 标价
    promotion = "promotion"  # 促销价
    live = "live"  # 直播间价
    coupon = "coupon"  # 券后价


class Audience(StrEnum):
    """Who could buy at the price: price protection compares only with prices the buyer could have paid."""

    all = "all"
    fans = "fans"  # the anchor's fans in the live room
    member = "member"  # shop members
    new_buyer = "new_buyer"  # first order in the shop


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=40)
    sku: str = Field("", max_length=60, description="规格；空 = 全部规格 / SKU; empty = every SKU")
    # a price of nothing is a gift, not a price anyone paid: it would refund the whole unit
    price: PositiveAmount = Field(description="单价（元） / unit price, CNY")
    effective_at: AwareDatetime = Field(description="生效时间，带时区 / when the price took effect, with offset")
    source: PriceSource = PriceSource.list
    audience: Audience = Audience.all
    min_spend: Amount | None = Field(None, description="券的使用门槛（满减） / coupon threshold")
    live_session_id: str | None = Field(None, max_length=40)
    note: str = Field("", max_length=200)

    @field_validator("sku", "note")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("effective_at")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        if not year_supported(value.year):
            raise ValueError(f"年份须在 {FIRST_YEAR}–{LAST_YEAR} / the year must be {FIRST_YEAR}–{LAST_YEAR}")
        return value


class PriceOut(BaseModel):
    id: int
    product_id: str
    sku: str
    price: Decimal
    effective_at: datetime
    source: str
    audience: str
    min_spend: Decimal | None
    live_session_id: str | None
    note: str
    recorded_at: datetime
    recorded_by: str | None


class PriceRowError(BaseModel):
    row: int
    field: str
    reason: str


class PriceBulkResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[PriceRowError]
