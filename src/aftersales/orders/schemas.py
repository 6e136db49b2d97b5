"""Orders and logistics events as integrators send them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aftersales.money import Amount


class BuyerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(pattern=r"^\+?[0-9\- ]{6,20}$", description="手机号（加密存储） / stored encrypted")

    @field_validator("phone")
    @classmethod
    def _enough_digits(cls, phone: str) -> str:
        # separators are allowed for readability, but a number is its digits: "  -  -  " is none
        digits = sum(ch.isdigit() for ch in phone)
        if not 6 <= digits <= 15:
            raise ValueError("手机号须有6–15位数字 / a phone number needs 6–15 digits")
        return phone.strip()
    address: str = Field(min_length=2, max_length=300, description="收货地址（加密存储） / stored encrypted")
    region: str = Field("", max_length=40, description="省份 / province, kept in clear for analytics")


class OutboundShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier_id: str | None = Field(None, max_length=40)
    tracking_no: str = Field(min_length=3, max_length=60)


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=40)
    batch_id: str | None = Field(None, max_length=40)
    sku: str | None = Field(None, max_length=60, description="规格 / SKU (colour, size ...)")
    quantity: int = Field(1, ge=1, le=10000)
    unit_price: Amount = Field(description="单价（元） / unit price before the order discount, CNY")


class OrderIn(BaseModel):
    """An order with its lines (`items`), or the one-line short form (`product_id`, `quantity`, `amount`)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, description="订单号 / order number")
    buyer: BuyerIn
    items: list[OrderItemIn] | None = Field(None, min_length=1, max_length=200, description="订单行 / order lines")
    product_id: str | None = Field(None, min_length=1, max_length=40, description="单品订单的商品 / one-line form")
    batch_id: str | None = Field(None, max_length=40)
    quantity: int = Field(1, ge=1, le=10000)
    live_session_id: str | None = Field(None, max_length=40)
    anchor_id: str | None = Field(None, max_length=40)
    amount: Amount | None = Field(None, description="实付金额（元） / amount paid, CNY (lines − discount + shipping)")
    discount: Amount = Field(Decimal("0"), description="订单级优惠 / order-level discount (coupons)")
    shipping_fee: Amount = Field(Decimal("0"), description="运费 / shipping charged")
    placed_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    presale: bool = False
    promised_ship_by: datetime | None = None
    shipping_insurance: bool = False
    outbound: OutboundShipmentIn | None = None

    @model_validator(mode="after")
    def _lines_and_total(self) -> OrderIn:
        if self.items is None:
            if self.product_id is None:
                raise ValueError("items: 订单须有商品行（items）或 product_id / an order needs items or a product_id")
            if self.amount is None:
                raise ValueError("amount: 单品订单须给出实付金额 / the one-line form needs the amount paid")
            return self
        if self.product_id is not None or self.batch_id is not None:
            raise ValueError("items: items 与 product_id 二选一 / give items or product_id, not both")
        expected = sum((i.unit_price * i.quantity for i in self.items), Decimal("0")) - self.discount \
            + self.shipping_fee
        if expected < 0:
            raise ValueError("discount: 优惠超过商品总价 / the discount exceeds the lines' total")
        if self.amount is None:
            self.amount = expected
        elif self.amount != expected:
            raise ValueError(f"amount: 实付金额应为 {expected}（商品合计−优惠+运费） / amount must be {expected}")
        return self

    def lines(self) -> list[OrderItemIn]:
        """The order's lines; the one-line form is one line whose price is what was paid."""
        if self.items is not None:
            return self.items
        assert self.product_id is not None and self.amount is not None
        unit = (self.amount / self.quantity).quantize(Decimal("0.01"))
        return [OrderItemIn(product_id=self.product_id, batch_id=self.batch_id, quantity=self.quantity,
                            unit_price=unit)]

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


class OrderItemOut(BaseModel):
    id: int
    line_no: int
    product_id: str
    product_name: str
    category_code: str
    batch_id: str | None
    sku: str | None
    quantity: int
    unit_price: Decimal
    paid_amount: Decimal
    #: quantity already named by an open case: a second case on it would duplicate that one
    open_case_quantity: int = 0
    case_ids: list[str] = Field(default_factory=list)


class OrderOut(BaseModel):
    id: str
    buyer_id: str
    brand_id: str
    shop_id: str
    anchor_id: str | None
    live_session_id: str | None
    amount: Decimal
    discount: Decimal
    shipping_fee: Decimal
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    presale: bool
    promised_ship_by: datetime | None
    shipping_insurance: bool
    items: list[OrderItemOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None


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
