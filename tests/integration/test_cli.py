"""The operational commands as a user runs them: clear errors, no tracebacks, nothing half-written."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.orders.models import Order
from aftersales.runtime import build_runtime
from tests.factories import build_world

runner = CliRunner()


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AFTERSALES_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_db_upgrade_creates_the_schema_and_a_private_key(embedded: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{embedded / 'aftersales.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from cases")).scalar() == 0
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    runner.invoke(app, ["token", "create", "--role", "platform_admin"])
    assert (embedded / "pii.key").stat().st_mode & 0o777 == 0o600


def test_token_create_prints_once_and_refuses_unknown_roles(embedded: Path) -> None:
    created = runner.invoke(app, ["token", "create", "--role", "platform_admin", "--name", "ops"])
    assert created.exit_code == 0 and created.output.strip().startswith("as_")
    bad = runner.invoke(app, ["token", "create", "--role", "wizard"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and "role" in bad.output
    orphan = runner.invoke(app, ["token", "create", "--role", "brand", "--party", "P-NOPE"])
    assert orphan.exit_code == 2 and "party" in orphan.output


def _world(embedded: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runtime = build_runtime()
    build_world(runtime)
    runtime.close()


def _orders_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(order_id: str, **changes: str) -> dict[str, str]:
    row = {"order_id": order_id, "buyer_id": "B-9", "buyer_name": "钱多多", "buyer_phone": "13700000000",
           "buyer_address": "江苏省南京市鼓楼区中山路1号", "buyer_region": "江苏", "product_id": "PR-DRESS",
           "amount": "299.00", "placed_at": "2026-11-01T20:15:00+08:00", "delivered_at": "",
           "shipping_insurance": "是"}
    row.update(changes)
    return row


def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(embedded: Path) -> None:
    _world(embedded)
    path = _orders_csv(embedded / "orders.csv", [
        _row("O-9001"), _row("O-9002", product_id="PR-NOPE"), _row("O-9003", amount="-5"),
        _row("O-9004", delivered_at="2026-11-03T10:00:00+08:00"),
    ])
    first = runner.invoke(app, ["import", "orders", str(path)])
    assert first.exit_code == 1, first.output
    assert "Traceback" not in first.output
    assert "第2行" in first.output and "product_id" in first.output
    assert "第3行" in first.output and "amount" in first.output
    engine = create_engine(f"sqlite:///{embedded / 'aftersales.db'}")
    with engine.connect() as connection:
        landed = set(connection.execute(select(Order.id).where(Order.id.like("O-9%"))).scalars())
    assert landed == {"O-9001", "O-9004"}
    again = runner.invoke(app, ["import", "orders", str(path)])
    assert "新增 created 0" in again.output and "未变 unchanged 2" in again.output


def test_import_refuses_a_file_missing_required_columns(embedded: Path) -> None:
    _world(embedded)
    path = embedded / "thin.csv"
    path.write_text("order_id,amount\nO-1,5\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "orders", str(path)])
    assert result.exit_code == 2 and "buyer_id" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_export_writes_every_format(embedded: Path, suffix: str) -> None:
    _world(embedded)
    out = embedded / f"orders{suffix}"
    result = runner.invoke(app, ["export", "orders", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix](out)
    assert sorted(frame["order_id"]) == ["O-1001", "O-1002", "O-2001"]  # one row per order line
    assert {"product_id", "unit_price", "paid_amount", "line_no"} <= set(frame.columns)
    assert not any(c.endswith("_enc") for c in frame.columns)


def test_import_reads_one_row_per_line_and_names_the_first_row_of_a_bad_order(embedded: Path) -> None:
    _world(embedded)
    blank = {"quantity": "1", "discount": "", "sku": ""}
    lines = [_row("O-7001", **{**blank, "unit_price": "299.00", "quantity": "2", "amount": "", "discount": "30.00"}),
             _row("O-7001", **{**blank, "unit_price": "59.00", "sku": "腰带", "amount": ""}),
             _row("O-7002", **{**blank, "unit_price": "299.00", "amount": "1.00"})]
    path = _orders_csv(embedded / "lines.csv", lines)
    result = runner.invoke(app, ["import", "orders", str(path)])
    assert result.exit_code == 1, result.output
    assert "第3行" in result.output and "amount" in result.output, "O-7002's total does not add up"
    engine = create_engine(f"sqlite:///{embedded / 'aftersales.db'}")
    with engine.connect() as connection:
        order = connection.execute(text("select amount, discount from orders where id = 'O-7001'")).one()
        items = connection.execute(text("select line_no, quantity, sku from order_items "
                                        "where order_id = 'O-7001' order by line_no")).all()
    assert (float(order[0]), float(order[1])) == (627.0, 30.0)  # 2×299 + 59 − 30
    assert [tuple(i) for i in items] == [(1, 2, None), (2, 1, "腰带")]


def test_demo_builds_data_and_prints_tokens(embedded: Path) -> None:
    result = runner.invoke(app, ["demo", "--orders", "400", "--no-serve"])
    assert result.exit_code == 0, result.output
    for role in ("buyer", "agent", "supervisor", "brand", "anchor", "mcn", "platform_admin"):
        assert f"  {role} " in result.output, role
    assert "/api/v1[" not in result.output and "API:" not in result.output, "nothing is served: no API address"
    engine = create_engine(f"sqlite:///{embedded / 'aftersales.db'}")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Order)).scalar() == 400
        states = set(connection.execute(text("select distinct state from cases")).scalars())
    assert {"closed", "refunded"} & states
