"""Statements over many rows that stay one short statement on PostgreSQL.

psycopg sends an executemany as one statement per row (pipelined), and parses again any SQL text too long for its
statement cache, so a batch of 1,000 rows written with Core's executemany, or read with a 1,000-element `IN`
list, costs more in the client than in the server: the SLA sweep spent two thirds of its time there. On
PostgreSQL these helpers send each column as one array (`unnest`, `= ANY`), so the statement text is short and the
same for every batch; on SQLite, where a statement per row is cheap and arrays do not exist, they are plain Core.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ARRAY, JSON, ColumnElement, CursorResult, Table, any_, bindparam, insert, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Column

from aftersales.db import UtcDateTime


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def member_of(session: Session, column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values`, as `column = ANY(array)` on PostgreSQL (one parameter instead of one per value)."""
    if is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *,
                skip_conflicts_on: str | None = None, returning: str | None = None) -> list[Any]:
    """Insert rows in the session's transaction; with `skip_conflicts_on`, rows that clash on that unique column
    are left out; with `returning`, that column of each inserted row is returned (those rows must share keys)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if skip_conflicts_on is None and returning is None:
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:  # an executemany takes its columns from the first row: rows naming others go apart
            groups.setdefault(tuple(row), []).append(row)
        for group in groups.values():
            if dialect.name == "postgresql":
                columns, arrays = _column_arrays(table, group, dialect)
                _copy(session, f"COPY {_target(table, columns, dialect)} FROM STDIN", arrays)
            else:
                _insert_prepared(session, table, group)
        return []
    _check_keys(table, rows)
    if dialect.name != "postgresql":
        return _insert_core(session, table, rows, skip_conflicts_on, returning)
    columns, arrays = _column_arrays(table, rows, dialect)
    preparer = dialect.identifier_preparer
    sources = ", ".join(f"CAST(:c{n} AS {_array_type(column, dialect)})" for n, column in enumerate(columns))
    sql = f"INSERT INTO {_target(table, columns, dialect)} SELECT * FROM unnest({sources})"
    if skip_conflicts_on is not None:
        sql += f" ON CONFLICT ({preparer.quote(skip_conflicts_on)}) DO NOTHING"
    if returning is not None:
        sql += f" RETURNING {preparer.quote(returning)}"
    result = session.execute(text(sql), {f"c{n}": values for n, values in enumerate(arrays)})
    return list(result.scalars()) if returning is not None else []


def update_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, match: Sequence[str],
                constants: Mapping[str, Any] | None = None, increment: str | None = None) -> int | None:
    """Update each row where the table agrees with it on the `match` columns: the row's other keys are assigned,
    `constants` are set on every row and `increment` goes up by one. Returns the rows changed (None where the
    driver cannot count an executemany)."""
    if not rows:
        return 0
    constants = dict(constants or {})
    dialect = session.get_bind().dialect
    c = table.c
    if dialect.name != "postgresql":
        return _update_core(session, table, rows, match, constants, increment)
    columns, arrays = _column_arrays(table, rows, dialect, defaults=False)
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    sets = [f"{preparer.quote(col.name)} = v.{preparer.quote(col.name)}" for col in columns if col.name not in match]
    params: dict[str, Any] = {f"c{n}": values for n, values in enumerate(arrays)}
    for n, (name, value) in enumerate(constants.items()):
        sets.append(f"{preparer.quote(name)} = CAST(:k{n} AS {c[name].type.compile(dialect)})")
        params[f"k{n}"] = _bound(c[name], [value], dialect)[0]
    if increment is not None:
        sets.append(f"{preparer.quote(increment)} = {target}.{preparer.quote(increment)} + 1")
    sources = ", ".join(f"CAST(:c{n} AS {_array_type(col, dialect)})" for n, col in enumerate(columns))
    aliases = ", ".join(preparer.quote(col.name) for col in columns)
    joins = " AND ".join(f"{target}.{preparer.quote(key)} = v.{preparer.quote(key)}" for key in match)
    sql = f"UPDATE {target} SET {', '.join(sets)} FROM unnest({sources}) AS v({aliases}) WHERE {joins}"
    return cast(CursorResult[Any], session.execute(text(sql), params)).rowcount


def _insert_core(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], skip_conflicts_on: str | None,
                 returning: str | None) -> list[Any]:
    statement = sqlite_insert(table)
    if skip_conflicts_on is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[skip_conflicts_on])
    if returning is not None:
        return list(session.scalars(statement.returning(table.c[returning]), list(rows)))
    session.execute(statement, list(rows))
    return []


def _copy(session: Session, sql: str, arrays: list[list[Any]]) -> None:
    """COPY the rows in the session's transaction: psycopg formats them in C, the server skips the planner."""
    import psycopg

    driver = session.connection().connection.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver connection"
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in zip(*arrays, strict=True):
                copy.write_row(row)
    except psycopg.Error as error:
        # as SQLAlchemy would have raised it, so an integrity error or a lost connection is handled as one
        raise DBAPIError.instance(sql, None, error, psycopg.Error) from error


@dataclass(frozen=True)
class _Prepared:
    """An INSERT compiled once for one dialect and one set of row keys, with each value's bind processor."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool
    #: the timestamp columns among `names`
    instants: frozenset[str] = frozenset()


#: (dialect, table, row keys) → the prepared insert, or None where SQLAlchemy's own path must fill defaults
_prepared: dict[tuple[int, str, tuple[str, ...]], tuple[Dialect, _Prepared | None]] = {}


def _prepare(table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared | None:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    if set(names) != set(keys) or len(names) != len(keys):
        return None  # a column default SQLAlchemy fills per row: keep its path, which knows how
    return _Prepared(compiled.string, names, tuple(compiled.binds[name].type.dialect_impl(dialect)
                                                   .bind_processor(dialect) for name in names),
                     compiled.positional,
                     frozenset(name for name in names if isinstance(table.c[name].type, UtcDateTime)))


def _same_value_once(process: Callable[[Any], Any] | None, seen: dict[Any, Any]) -> Callable[[Any], Any] | None:
    """The processor, remembering what it gave for each value (equal timestamps convert alike)."""
    if process is None:
        return None

    def remembered(value: Any) -> Any:
        found = seen.get(value, seen)
        if found is seen:
            found = seen[value] = process(value)
        return found

    return remembered


def _insert_prepared(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """`session.execute(insert(table), rows)` without SQLAlchemy's per-row parameter processing: the statement is
    compiled once per key set and each row becomes the driver's tuple (or dict) directly. Same SQL, same bind
    processors (UTC timestamps, orjson, booleans), errors wrapped as SQLAlchemy's (an IntegrityError stays one);
    at ~13 rows a case this was a tenth of intake's writer time."""
    connection = session.connection()
    dialect = connection.dialect
    converted: dict[Any, Any] = {}  # a batch's timestamps are mostly one `now`: each converted once
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for keys, group in groups.items():
        cache_key = (id(dialect), table.name, keys)
        found = _prepared.get(cache_key)
        if found is None or found[0] is not dialect:
            found = (dialect, _prepare(table, dialect, keys))
            _prepared[cache_key] = found
        prepared = found[1]
        if prepared is None:
            session.execute(insert(table), list(group))
            continue
        plan = tuple((name, _same_value_once(process, converted) if name in prepared.instants else process)
                     for name, process in zip(prepared.names, prepared.processors, strict=True))
        if prepared.positional:
            params: list[Any] = [tuple([row[name] if process is None else process(row[name])
                                        for name, process in plan]) for row in group]
        else:
            params = [{name: row[name] if process is None else process(row[name]) for name, process in plan}
                      for row in group]
        connection.exec_driver_sql(prepared.sql, params if len(params) > 1 else params[0])


def _update_core(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], match: Sequence[str],
                 constants: Mapping[str, Any], increment: str | None) -> int | None:
    c = table.c
    assigned = [key for key in rows[0] if key not in match]
    values: dict[str, Any] = {key: bindparam(f"set_{key}") for key in assigned} | dict(constants)
    if increment is not None:
        values[increment] = c[increment] + 1
    statement = update(table).where(*(c[key] == bindparam(f"is_{key}") for key in match)).values(values)
    params = [{**{f"is_{k}": row[k] for k in match}, **{f"set_{k}": row[k] for k in assigned}} for row in rows]
    result = cast(CursorResult[Any], session.execute(statement, params))
    return result.rowcount if session.get_bind().dialect.supports_sane_multi_rowcount else None


def _column_arrays(table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect, *,
                   defaults: bool = True) -> tuple[list[Column[Any]], list[list[Any]]]:
    """The columns the rows name (and, for an insert, those with a Python-side default), each as one list of
    bound values."""
    keys = _check_keys(table, rows)
    columns: list[Column[Any]] = []
    arrays: list[list[Any]] = []
    for column in table.columns:
        if column.name in keys:
            values = [row[column.name] for row in rows]
        elif defaults and column.default is not None and (column.default.is_scalar or column.default.is_callable):
            values = [_default(column) for _ in rows]
        else:
            continue  # the database's own default: an identity, a server default or NULL
        columns.append(column)
        arrays.append(_bound(column, values, dialect))
    return columns, arrays


def _check_keys(table: Table, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    keys = set(rows[0])
    if any(set(row) != keys for row in rows):
        raise ValueError(f"rows for {table.name} must all name the same columns")
    unknown = keys - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")
    return keys


def _default(column: Column[Any]) -> Any:
    default: Any = column.default
    # SQLAlchemy wraps a callable default to take the execution context; ours never look at it
    return default.arg(None) if default.is_callable else default.arg


def _bound(column: Column[Any], values: list[Any], dialect: Dialect) -> list[Any]:
    if isinstance(column.type, JSON):
        # the engine's serializer, so a row reads back the same whichever way it was written; Python None is
        # JSON null, as Core writes it, unless the column keeps SQL NULL for None
        dumps: Callable[[Any], str | bytes] = getattr(dialect, "_json_serializer", None) or json.dumps
        keep_null = column.type.none_as_null
        return [None if value is None and keep_null else _as_text(dumps(value)) for value in values]
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return [process(value) for value in values] if process is not None else values


def _as_text(serialized: str | bytes) -> str:
    return serialized.decode() if isinstance(serialized, bytes) else serialized


def _target(table: Table, columns: Sequence[Column[Any]], dialect: Dialect) -> str:
    """`table (col, ...)`, quoted for the dialect."""
    preparer = dialect.identifier_preparer
    return f"{preparer.format_table(table)} ({', '.join(preparer.quote(column.name) for column in columns)})"


def _array_type(column: Column[Any], dialect: Dialect) -> str:
    return f"{column.type.compile(dialect)}[]"
