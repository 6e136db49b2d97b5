"""Price changes as flat rows (CSV, Parquet, Excel): the documented columns and their mapping to PriceIn."""

from __future__ import annotations

import math
from typing import Any

#: column → (required, meaning); documented in docs/policy.md "Price history"
PRICE_COLUMNS: dict[str, tuple[bool, str]] = {
    "product_id": (True, "商品ID（须已存在） / product id (must exist)"),
    "sku": (False, "规格；空 = 全部规格 / SKU; empty = every SKU of the product"),
    "price": (True, "单价（元） / unit price, CNY"),
    "effective_at": (True, "生效时间，ISO 8601 带时区 / when it took effect, ISO 8601 with offset"),
    "source": (False, "list 标价 | promotion 促销价 | live 直播间价 | coupon 券后价；默认 list"),
    "audience": (False, "all 所有人 | fans 主播粉丝 | member 会员 | new_buyer 新客；默认 all"),
    "min_spend": (False, "券的使用门槛（元） / coupon threshold"),
    "live_session_id": (False, "直播场次ID / live session id"),
    "note": (False, "备注 / note"),
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def row_to_price(row: dict[str, Any]) -> dict[str, Any]:
    """One flat row to the PriceIn shape; blank optional cells take their defaults."""
    price: dict[str, Any] = {}
    for name in PRICE_COLUMNS:
        value: Any = row.get(name)
        if value is None or _blank(value):
            continue
        price[name] = str(value.isoformat()) if hasattr(value, "isoformat") else str(value).strip()
    return price


def missing_columns(columns: list[str]) -> list[str]:
    return [name for name, (required, _) in PRICE_COLUMNS.items() if required and name not in columns]
