"""Bulk writes: SQLAlchemy Core executemany in chunks, parents before children, with a progress callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from aftersales.db import Base

CHUNK = 5_000
Progress = Callable[[str, int, int], None]


def table(name: str) -> Table:
    from aftersales.models_registry import load_all_models

    load_all_models()
    return Base.metadata.tables[name]


def next_id(conn: Connection, name: str) -> int:
    """The highest integer id already in a table, so explicit ids we assign never collide."""
    return int(conn.execute(select(func.coalesce(func.max(table(name).c.id), 0))).scalar_one())


def write_all(conn: Connection, batches: Sequence[tuple[str, list[dict[str, Any]]]],
              progress: Progress | None = None) -> None:
    total = sum(len(rows) for _name, rows in batches)
    done = 0
    for name, rows in batches:
        if not rows:
            continue
        sql, convert = _statement(conn, table(name), list(rows[0]))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            conn.exec_driver_sql(sql, [convert(row) for row in chunk])
            done += len(chunk)
            if progress is not None:
                progress("写入数据库 / writing", done, total)


def _statement(conn: Connection, target: Table,
               columns: list[str]) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """A plain INSERT and a row converter built from the column types' own bind processors.

    Core's executemany re-derives parameters per row and costs more than SQLite's insert itself; the types'
    processors (JSON, DateTime on SQLite, ...) are what it would apply, so values land identically.
    """
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(target.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(marker for _ in columns)})")
    processors = [target.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    plan = list(zip(columns, processors, strict=True))

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(value if (value := row[c]) is None or p is None else p(value) for c, p in plan)

    return sql, convert


def realign_sequences(conn: Connection, names: Sequence[str]) -> None:
    """PostgreSQL serials do not see explicit ids; move them past what we wrote so later inserts succeed."""
    if conn.dialect.name != "postgresql":
        return
    for name in names:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                          f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
