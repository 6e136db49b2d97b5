"""Orders as flat rows (CSV, Parquet, Excel): the documented column schema and its mapping to OrderIn.

One row per order line: rows sharing an `order_id` are one order, its columns taken from the order's first row
and each row adding a line (`product_id`, `batch_id`, `sku`, `quantity`, `unit_price`). A file without
`unit_price` keeps the one-line form: each row is an order whose `amount` is what was paid."""

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
    "sku": (False, "规格 / SKU"),
    "quantity": (False, "数量，默认1 / quantity"),
    "unit_price": (False, "单价（元）；有此列时每行是一个订单行 / unit price; with it each row is an order line"),
    "amount": (False, "实付金额（元），单品格式必填 / amount paid, CNY (required without unit_price)"),
    "discount": (False, "订单优惠（元） / order discount"),
    "shipping_fee": (False, "运费（元） / shipping charged"),
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


def _order_fields(row: dict[str, Any]) -> dict[str, Any]:
    order: dict[str, Any] = {
        "id": _text(row.get("order_id")),
        "buyer": {"id": _text(row.get("buyer_id")), "name": _text(row.get("buyer_name")),
                  "phone": _text(row.get("buyer_phone")), "address": _text(row.get("buyer_address")),
                  "region": _text(row.get("buyer_region")) or ""},
        "placed_at": _text(row.get("placed_at")),
    }
    for name in ("live_session_id", "anchor_id", "paid_at", "shipped_at", "delivered_at", "promised_ship_by",
                 "amount", "discount", "shipping_fee"):
        if not _blank(row.get(name)):
            order[name] = _text(row.get(name))
    for flag in ("presale", "shipping_insurance"):
        if not _blank(row.get(flag)):
            order[flag] = str(row[flag]).strip().lower() in _TRUE
    if not _blank(row.get("tracking_no")):
        order["outbound"] = {"tracking_no": _text(row.get("tracking_no")), "carrier_id": _text(row.get("carrier_id"))}
    return order


def _quantity(row: dict[str, Any]) -> int | str:
    text = _text(row.get("quantity"))
    if text is None:
        return 1
    try:
        return int(float(text))
    except ValueError:
        return text  # OrderIn names the field and the reason


def _line(row: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {"product_id": _text(row.get("product_id")), "quantity": _quantity(row),
                            "unit_price": _text(row.get("unit_price"))}
    for name in ("batch_id", "sku"):
        if not _blank(row.get(name)):
            line[name] = _text(row.get(name))
    return line


def row_to_order(row: dict[str, Any]) -> dict[str, Any]:
    """One flat row in the one-line form (no unit_price) to the nested OrderIn shape."""
    order = _order_fields(row)
    order["product_id"] = _text(row.get("product_id"))
    order["quantity"] = _quantity(row)
    if not _blank(row.get("batch_id")):
        order["batch_id"] = _text(row.get("batch_id"))
    return order


def rows_to_orders(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Flat rows to orders with the number (1 = first data row) of each order's first row, in file order."""
    lined = any(not _blank(r.get("unit_price")) for r in rows)
    if not lined:
        return [(number, row_to_order(row)) for number, row in enumerate(rows, start=1)]
    groups: dict[str, tuple[int, dict[str, Any]]] = {}
    found: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        key = _text(row.get("order_id")) or f"#row{number}"
        if key not in groups:
            order = {**_order_fields(row), "items": []}
            groups[key] = (number, order)
            found.append(groups[key])
        groups[key][1]["items"].append(_line(row))
    return found


def missing_columns(columns: list[str]) -> list[str]:
    missing = [name for name, (required, _) in ORDER_COLUMNS.items() if required and name not in columns]
    if "amount" not in columns and "unit_price" not in columns:
        missing.append("amount | unit_price")
    return missing
