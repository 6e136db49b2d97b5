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
        target = table(name)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            conn.execute(target.insert(), chunk)
            done += len(chunk)
            if progress is not None:
                progress("写入数据库 / writing", done, total)


def realign_sequences(conn: Connection, names: Sequence[str]) -> None:
    """PostgreSQL serials do not see explicit ids; move them past what we wrote so later inserts succeed."""
    if conn.dialect.name != "postgresql":
        return
    for name in names:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                          f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
