"""Orders as flat rows (CSV, Parquet, Excel): the documented column schema and its mapping to OrderIn."""

from __future__ import annotations

import math
from typing import Any

#: column → (required, meaning); documented in README "Import and export"
ORDER_COLUMNS: dict[str, tuple[bool, str]] = {
    "order_id": (True, "订单号 / order number (re-importing the same id updates, never duplicates)"),
    "buyer_id": (True, "买家ID / buyer id"),
    "buyer_name": (True, "买家昵称 / buyer name"),
    "buyer_phone": (True, "手机号，加密存储 / phone, stored encrypted"),
    "buyer_address": (True, "收货地址，加密存储 / address, stored encrypted"),
    "buyer_region": (False, "省份 / province"),
    "product_id": (True, "商品ID（须已存在） / product id (must exist)"),
    "batch_id": (False, "批次ID / batch id"),
    "live_session_id": (False, "直播场次ID / live session id"),
    "anchor_id": (False, "主播ID / anchor id"),
    "quantity": (False, "数量，默认1 / quantity"),
    "amount": (True, "实付金额（元） / amount paid, CNY"),
    "placed_at": (True, "下单时间，ISO 8601 带时区 / placed at, ISO 8601 with offset"),
    "paid_at": (False, "支付时间 / paid at"),
    "shipped_at": (False, "发货时间 / shipped at"),
    "delivered_at": (False, "签收时间 / delivered at"),
    "presale": (False, "预售 true/false"),
    "promised_ship_by": (False, "承诺发货时间 / promised ship-by"),
    "shipping_insurance": (False, "运费险 true/false"),
    "carrier_id": (False, "承运商ID / carrier party id"),
    "tracking_no": (False, "运单号 / outbound tracking number"),
}
_TRUE = {"1", "true", "yes", "y", "是", "t"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def row_to_order(row: dict[str, Any]) -> dict[str, Any]:
    """A flat row to the nested OrderIn shape; validation (with field names) happens in OrderIn."""
    order: dict[str, Any] = {
        "id": _text(row.get("order_id")),
        "buyer": {"id": _text(row.get("buyer_id")), "name": _text(row.get("buyer_name")),
                  "phone": _text(row.get("buyer_phone")), "address": _text(row.get("buyer_address")),
                  "region": _text(row.get("buyer_region")) or ""},
        "product_id": _text(row.get("product_id")),
        "amount": _text(row.get("amount")),
        "placed_at": _text(row.get("placed_at")),
    }
    for name in ("batch_id", "live_session_id", "anchor_id", "paid_at", "shipped_at", "delivered_at",
                 "promised_ship_by"):
        if not _blank(row.get(name)):
            order[name] = _text(row.get(name))
    if not _blank(row.get("quantity")):
        order["quantity"] = int(float(str(row["quantity"])))
    for flag in ("presale", "shipping_insurance"):
        if not _blank(row.get(flag)):
            order[flag] = str(row[flag]).strip().lower() in _TRUE
    if not _blank(row.get("tracking_no")):
        order["outbound"] = {"tracking_no": _text(row.get("tracking_no")), "carrier_id": _text(row.get("carrier_id"))}
    return order


def missing_columns(columns: list[str]) -> list[str]:
    return [name for name, (required, _) in ORDER_COLUMNS.items() if required and name not in columns]
