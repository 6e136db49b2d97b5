"""`aftersales import` and `aftersales export`: CSV, Parquet and Excel."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from aftersales.cli_errors import cli_errors, fail
from aftersales.db import unit_of_work

console = Console()
CHUNK = 1000


class Entity(StrEnum):
    orders = "orders"
    cases = "cases"
    prices = "prices"


def _read_table(path: Path) -> Any:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    raise fail(f"不支持的文件类型 {suffix}：请用 .csv/.parquet/.xlsx / unsupported file type")


def import_command(entity: Annotated[Entity, typer.Argument(help="导入对象 / what to import (orders, prices)")],
                   file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/Parquet/Excel")],
                   ) -> None:
    """导入订单：坏行报告行号与原因，好行照常入库；重复导入不产生变化 / import orders."""
    from aftersales.orders.service import upsert_orders
    from aftersales.orders.tabular import missing_columns, rows_to_orders

    if entity is Entity.prices:
        return _import_prices(file)
    if entity is not Entity.orders:
        raise fail("只能导入订单或价格 / only orders and prices can be imported")
    frame, runtime = _prepared(file, missing_columns)
    orders = rows_to_orders(frame.to_dict(orient="records"))
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[tuple[int, str, str]] = []
    with Progress(console=console) as bar:
        task = bar.add_task("导入订单 / importing", total=len(orders))
        for start in range(0, len(orders), CHUNK):
            chunk = orders[start:start + CHUNK]
            with unit_of_work(runtime.session_factory) as session:
                report = upsert_orders(session, [order for _, order in chunk], runtime.pii_key, runtime.clock.now())
            for name in totals:
                totals[name] += getattr(report, name)
            # the report numbers orders within the chunk; the user knows rows of the file
            errors.extend((chunk[number - 1][0], field, reason) for number, field, reason in report.errors)
            bar.advance(task, len(chunk))
    console.print(f"新增 created {totals['created']}，更新 updated {totals['updated']}，"
                  f"未变 unchanged {totals['unchanged']}，错误行 bad rows {len({e[0] for e in errors})}")
    for row, field, reason in errors[:200]:
        console.print(f"  第{row}行 row {row} [{field}]: {reason}", markup=False)
    if errors:
        raise typer.Exit(1)


def _prepared(file: Path, missing_columns: Callable[[list[str]], list[str]]) -> tuple[Any, Any]:
    """The file's table, refused when a required column is missing, and a runtime on a migrated database."""
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime

    frame = _read_table(file)
    missing = missing_columns(list(frame.columns))
    if missing:
        raise fail(f"缺少必需列 / missing required columns: {', '.join(missing)}")
    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
    return frame, runtime


def _import_prices(file: Path) -> None:
    """Price history rows: each good row lands once however often the file is imported; bad rows are named."""
    from aftersales.catalog.price_tabular import missing_columns, row_to_price
    from aftersales.catalog.prices import record_prices

    frame, runtime = _prepared(file, missing_columns)
    rows = [row_to_price(row) for row in frame.to_dict(orient="records")]
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[tuple[int, str, str]] = []
    for start in range(0, len(rows), CHUNK):
        with unit_of_work(runtime.session_factory) as session:
            report = record_prices(session, rows[start:start + CHUNK], now=runtime.clock.now(), actor="import",
                                   first_row_number=start + 1)
        for name in totals:
            totals[name] += getattr(report, name)
        errors.extend(report.errors)
    console.print(f"价格记录 prices: 新增 created {totals['created']}，更新 updated {totals['updated']}，"
                  f"未变 unchanged {totals['unchanged']}，错误行 bad rows {len({e[0] for e in errors})}")
    for row, field, reason in errors[:200]:
        console.print(f"  第{row}行 row {row} [{field}]: {reason}", markup=False)
    if errors:
        raise typer.Exit(1)


def _table(session: Any, model: Any) -> Any:
    import pandas as pd
    from sqlalchemy import select

    columns = [c.name for c in model.__table__.columns if not c.name.endswith("_enc")]
    rows = session.execute(select(*[model.__table__.c[name] for name in columns])).all()
    return pd.DataFrame(rows, columns=columns)


def _order_lines(session: Any) -> Any:
    """One row per order line, in the import's column names (buyer PII left out)."""
    import pandas as pd
    from sqlalchemy import select

    from aftersales.orders.models import Order, OrderItem

    order_columns = [c for c in Order.__table__.columns if c.name not in ("id",)]
    line_columns = [OrderItem.__table__.c[name] for name in ("line_no", "product_id", "batch_id", "sku",
                                                              "quantity", "unit_price", "paid_amount")]
    query = (select(Order.__table__.c.id.label("order_id"), *order_columns, *line_columns)
             .join(OrderItem, OrderItem.order_id == Order.id).order_by(Order.id, OrderItem.line_no))
    rows = session.execute(query).all()
    return pd.DataFrame(rows, columns=["order_id", *[c.name for c in order_columns],
                                       *[c.name for c in line_columns]])


def export_command(entity: Annotated[Entity, typer.Argument(help="orders、cases 或 prices")],
                   out: Annotated[Path, typer.Option(help="输出文件 .csv/.parquet/.xlsx / output file")],
                   ) -> None:
    """导出订单或工单（个人信息已脱敏） / export orders or cases (PII masked)."""

    from aftersales.cases.models import Case
    from aftersales.catalog.models import ProductPrice
    from aftersales.runtime import build_runtime

    runtime = build_runtime()
    with runtime.session() as session:
        frame = _order_lines(session) if entity is Entity.orders else _table(
            session, ProductPrice if entity is Entity.prices else Case)
    for name in frame.columns:
        if frame[name].map(lambda v: isinstance(v, dict | list)).any():
            frame[name] = frame[name].map(lambda v: json.dumps(v, ensure_ascii=False))
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(out, index=False, encoding="utf-8-sig")
    elif suffix == ".parquet":
        frame.to_parquet(out, index=False)
    elif suffix == ".xlsx":
        for name in frame.columns:
            if str(frame[name].dtype).startswith("datetime64") and getattr(frame[name].dt, "tz", None) is not None:
                frame[name] = frame[name].dt.tz_convert("UTC").dt.tz_localize(None)
        frame.to_excel(out, index=False)
    else:
        raise fail("输出文件须为 .csv/.parquet/.xlsx / output must be .csv, .parquet or .xlsx")
    console.print(f"已导出 {len(frame)} 行到 {out} / exported {len(frame)} rows")
