"""Item-level decisions through intake: a return over two orders gets one decision per order, each line says
what it gets, and nothing is refunded beyond what its lines were paid; price history imported from files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from aftersales.catalog.models import Product
from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World, order_payload

runner = CliRunner()


def _snack_basket(api: Api, runtime: Runtime, world: World) -> None:
    """O-MIX: an unopened lipstick (99.00) and a box of biscuits (food, 30.00) with 9.00 off and 6.00 shipping."""
    with runtime.session() as session:
        session.add_all([
            Product(id="PR-LIP2", name="丝绒哑光口红", brand_id="P-BRAND1", shop_id="P-SHOP1", category_code="lipstick",
                    tags=[], price=Decimal("99.00"), created_at=world.now),
            Product(id="PR-SNACK", name="曲奇礼盒", brand_id="P-BRAND1", shop_id="P-SHOP1", category_code="food",
                    tags=[], price=Decimal("30.00"), created_at=world.now)])
        session.commit()
    body = order_payload("O-MIX", "B-1", "PR-LIP2", world.now)
    for name in ("product_id", "amount", "quantity"):
        body.pop(name)
    body.update(items=[{"product_id": "PR-LIP2", "unit_price": "99.00"}, {"product_id": "PR-SNACK", "unit_price": "30.00"}],
                discount="9.00", shipping_fee="6.00")
    assert api.as_("platform_admin").post("/api/v1/orders", json=body).status_code == 201


def test_a_return_over_two_orders_is_decided_per_order_and_per_line(api: Api, runtime: Runtime,
                                                                    world: World) -> None:
    _snack_basket(api, runtime, world)
    opened = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-1001", "case_type": "return_refund", "text": "都没拆封，不想要了，七天无理由退货",
        "items": [{"line_no": 1}, {"order_id": "O-MIX", "line_no": 1}, {"order_id": "O-MIX", "line_no": 2}]})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    decision = case["decision"]
    orders = {o["order_id"]: o for o in decision["orders"]}
    assert set(orders) == {"O-1001", "O-MIX"}
    mix = {line["line_no"]: line for line in orders["O-MIX"]["lines"]}
    assert (mix[1]["outcome"], mix[1]["remedy"], mix[1]["returned"]) == ("approve", "return_refund", True)
    assert (mix[2]["outcome"], mix[2]["rule_id"], mix[2]["refund_amount"]) == ("deny", "exclude.food", "0.00")
    for order in decision["orders"]:
        for line in order["lines"]:
            assert Decimal(line["refund_amount"]) <= Decimal(line["paid_amount"])
        assert Decimal(order["refund_amount"]) <= Decimal(order["paid_amount"])
    assert Decimal(decision["refund_amount"]) == Decimal(orders["O-1001"]["refund_amount"]) + Decimal(mix[1]["refund_amount"])
    assert Decimal(decision["refund_amount"]) <= Decimal(case["claimed_amount"])
    assert decision["reasons"][-1]["rule_id"] == "case.lines" and "不支持" in decision["reasons"][-1]["zh"]


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", database_url)
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _rows(world: World) -> list[dict[str, Any]]:
    at = (world.now - timedelta(days=1)).isoformat()
    return [{"product_id": "PR-LIP1", "sku": "", "price": "159.00", "effective_at": at, "source": "live",
             "audience": "all", "live_session_id": "LS-1"},
            {"product_id": "PR-LIP1", "sku": "豆沙色", "price": "149.00", "effective_at": at, "source": "coupon",
             "audience": "all", "min_spend": "150.00"},
            {"product_id": "PR-NOPE", "price": "10.00", "effective_at": at},
            {"product_id": "PR-DRESS", "price": "-1", "effective_at": at}]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_price_history_imports_from_csv_parquet_and_excel_naming_bad_rows(
        api: Api, world: World, cli_env: None, tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(_rows(world)).fillna("")
    path = tmp_path / f"prices{suffix}"
    {".csv": lambda: frame.to_csv(path, index=False), ".parquet": lambda: frame.astype(str).to_parquet(path),
     ".xlsx": lambda: frame.to_excel(path, index=False)}[suffix]()
    first = runner.invoke(app, ["import", "prices", str(path)])
    assert first.exit_code == 1, first.output  # two bad rows
    assert "created 2" in first.output and "第3行" in first.output and "第4行" in first.output
    assert "product_id" in first.output and "price" in first.output
    again = runner.invoke(app, ["import", "prices", str(path)])
    assert "created 0" in again.output and "unchanged 2" in again.output
    history = api.as_("agent").get("/api/v1/products/PR-LIP1/prices", params={"sku": "豆沙色"}).json()
    assert sorted(row["price"] for row in history) == ["149.00", "159.00"]
    missing = tmp_path / "no_price.csv"
    pd.DataFrame([{"product_id": "PR-LIP1"}]).to_csv(missing, index=False)
    refused = runner.invoke(app, ["import", "prices", str(missing)])
    assert refused.exit_code == 2 and "price" in refused.output and "Traceback" not in refused.output
