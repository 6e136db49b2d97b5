"""Where the evaluation reads its input tables: a Parquet/CSV folder (DuckDB), Spark, or the operational DB.

Every source hands out Ibis tables already renamed and cast to the input schema (schema.py), so the
indicator definitions never see an engine or a user's column names.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aftersales.calendars import BusinessCalendar
from aftersales.evaluation.schema import TABLES, Table
from aftersales.evaluation.spark_engine import resolve_master, spark_session
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import ibis
    import pandas as pd
    from ibis.backends import BaseBackend


@dataclass
class Source:
    kind: str  # duckdb | spark | postgres | sqlite
    con: BaseBackend
    description: str
    tables: dict[str, ibis.Table] = field(default_factory=dict)
    #: optional schema columns the source did not provide (read as NULL), per table
    absent: dict[str, set[str]] = field(default_factory=dict)
    #: the business calendar of the data (time zone, hours, holidays, promos); None: the default (China)
    calendar: BusinessCalendar | None = None

    def has(self, name: str) -> bool:
        return name in self.tables

    def table(self, name: str) -> ibis.Table:
        if name not in self.tables:
            raise InvalidInput(f"数据源缺少表 {name} / the source has no table {name}", field=name)
        return self.tables[name]


LOCALE_KEY = "locale"


def load_mapping(mapping: str | Path | dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Read a YAML/TOML/JSON mapping: {table: {file: ..., columns: {schema_name: their_name}}, locale: ...}.

    `locale` names the data's business calendar (a bundled one such as `brazil`, a TOML path relative to
    the mapping file, or an inline table with an optional `base`); it is kept as {"calendar": calendar}.
    """
    if mapping is None:
        return {}
    folder = Path.cwd()
    if isinstance(mapping, dict):
        data = dict(mapping)
    else:
        path = Path(mapping)
        if not path.is_file():
            raise InvalidInput(f"找不到映射文件 / mapping file not found: {path}", field="mapping")
        folder = path.parent
        data = _parse_mapping(path)
    result: dict[str, dict[str, Any]] = {}
    if LOCALE_KEY in data:
        result[LOCALE_KEY] = {"calendar": source_calendar(data.pop(LOCALE_KEY), folder)}
    for name, spec in data.items():
        if name not in TABLES:
            raise InvalidInput(f"映射中的未知表 / unknown table in mapping: {name} (tables: "
                               f"{', '.join(TABLES)}, or {LOCALE_KEY})", field="mapping")
        spec = dict(spec or {})
        file = spec.pop("file", None)
        columns = spec.pop("columns", spec)
        result[name] = {"file": file, "columns": dict(columns)}
    return result


def _parse_mapping(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix in {".yaml", ".yml"}:
            import yaml

            return dict(yaml.safe_load(text) or {})
        if path.suffix == ".toml":
            return tomllib.loads(text)
        return dict(json.loads(text))
    except (ValueError, TypeError) as exc:  # YAML, TOML and JSON errors are all ValueErrors
        raise InvalidInput(f"无法解析映射文件 / cannot parse mapping file {path}: {exc}", field="mapping") from None


def source_calendar(spec: Any, folder: Path) -> BusinessCalendar:
    """The calendar a mapping's `locale` names: a bundled name, a file, or an inline table."""
    from aftersales.calendars import calendar_from_dict, load_calendar, resolve_calendar_file

    try:
        if isinstance(spec, dict):
            return calendar_from_dict(dict(spec))
        name = str(spec)
        relative = folder / name
        return load_calendar(relative if relative.is_file() else resolve_calendar_file(name))
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"无法读取数据源日历 / cannot read the source's calendar {spec!r}: {exc}",
                           field="mapping.locale") from None


def check_columns(table: Table, columns: dict[str, str], present: set[str]) -> None:
    """A mapping may only name schema columns of the table, and only source columns that exist."""
    unknown = sorted(set(columns) - set(table.names))
    if unknown:
        raise InvalidInput(f"映射中 {table.name} 表没有这些列 / the schema's {table.name} table has no column "
                           f"{', '.join(unknown)} (columns: {', '.join(table.names)})", field=f"mapping.{table.name}")
    missing = sorted(f"{theirs} (→ {ours})" for ours, theirs in columns.items() if theirs not in present)
    if missing:
        raise InvalidInput(f"映射指向的列在 {table.name} 数据中不存在 / mapped column not in the {table.name} data: "
                           f"{', '.join(missing)}; the data has {', '.join(sorted(present))}",
                           field=f"mapping.{table.name}")


def conform(raw: ibis.Table, table: Table, columns: dict[str, str] | None = None,
            absent: set[str] | None = None) -> ibis.Table:
    """Rename the user's columns to the schema, cast each to its type, add absent optional columns as NULL.

    `absent` collects the optional columns read as NULL, so the cleaning report can name them.
    """
    import ibis

    columns = {str(k): str(v) for k, v in (columns or {}).items()}
    present = set(raw.columns)
    check_columns(table, columns, present)
    picked = []
    for col in table.columns:
        theirs = columns.get(col.name, col.name)
        if theirs in present:
            value = raw[theirs]
            # a no-op CAST on a column hides it from DuckDB's Parquet min/max pruning: cast only if needed
            if value.type() != ibis.dtype(col.dtype).copy(nullable=value.type().nullable):
                value = value.cast(col.dtype)
            picked.append(value.name(col.name))
        elif col.required:
            raise InvalidInput(
                f"表 {table.name} 缺少必需列 {theirs} / table {table.name} lacks required column {theirs}",
                field=f"{table.name}.{col.name}",
            )
        else:
            if absent is not None:
                absent.add(col.name)
            picked.append(ibis.null(col.dtype).name(col.name))
    return raw.select(picked)


def _find_file(folder: Path, name: str, override: str | None) -> Path | None:
    if override:
        path = folder / override
        if not path.exists():
            raise InvalidInput(f"找不到文件 / file not found: {path}", field=name)
        return path
    for candidate in (folder / f"{name}.parquet", folder / name, folder / f"{name}.csv"):
        if candidate.exists():
            return candidate
    return None


def _read_path(con: BaseBackend, path: Path, name: str) -> ibis.Table:
    """A file or a folder of parts; CSV when the name says so or the folder holds CSV parts."""
    is_csv = path.suffix == ".csv" or (path.is_dir() and any(path.glob("*.csv")))
    if path.is_dir():
        target = str(path) if con.name == "pyspark" else str(path / ("*.csv" if is_csv else "*.parquet"))
    else:
        target = str(path)
    if is_csv:
        return con.read_csv(target, table_name=f"raw_{name}")
    return con.read_parquet(target, table_name=f"raw_{name}")


def _attach_folder(source: Source, folder: Path, mapping: dict[str, dict[str, Any]]) -> Source:
    if not folder.is_dir():
        raise InvalidInput(f"数据目录不存在 / data folder not found: {folder}", field="source")
    for name, table in TABLES.items():
        spec = mapping.get(name, {})
        path = _find_file(folder, name, spec.get("file"))
        if path is None:
            if table.required:
                raise InvalidInput(f"数据目录缺少 {name} 表 / the folder has no {name} table", field=name)
            continue
        source.tables[name] = conform(_read_path(source.con, path, name), table, spec.get("columns"),
                                      source.absent.setdefault(name, set()))
    return source


def _open_spark(
    spec: str, data: str | Path | None, mapping: dict[str, dict[str, Any]], session: Any
) -> Source:
    import ibis

    session = session or spark_session(resolve_master(spec))
    con = ibis.pyspark.connect(session)
    source = Source("spark", con, f"Spark {session.sparkContext.master}")
    if data is not None:
        return _attach_folder(source, Path(data), mapping)
    # without a folder, the tables come from the session's catalog under the schema's names
    return attach_catalog(source, mapping)


def attach_catalog(source: Source, mapping: dict[str, dict[str, Any]] | None = None) -> Source:
    """Use the backend's own tables named as the schema (or as the mapping's `file` says)."""
    mapping = mapping or {}
    existing = set(source.con.list_tables())
    for name, table in TABLES.items():
        theirs = mapping.get(name, {}).get("file") or name
        if theirs in existing:
            source.tables[name] = conform(source.con.table(theirs), table, mapping.get(name, {}).get("columns"),
                                          source.absent.setdefault(name, set()))
        elif table.required:
            raise InvalidInput(f"数据源中没有 {theirs} 表 / no table {theirs} in the source", field=name)
    return source


def _open_db(database_url: str | None) -> Source:
    from aftersales.config import get_settings
    from aftersales.evaluation import operational

    url = database_url or get_settings().resolved_database_url()
    if url.startswith("sqlite"):
        return operational.open_sqlite(url)
    if url.startswith("postgresql"):
        return operational.open_postgres(url)
    raise InvalidInput(
        f"不支持的数据库 / unsupported database URL: {url.split(':', 1)[0]}", field="database_url"
    )


def open_source(
    spec: str = "db",
    database_url: str | None = None,
    mapping: str | Path | dict[str, Any] | None = None,
    *,
    data: str | Path | None = None,
    session: Any = None,
) -> Source:
    """`db`, a folder path, `spark` or `spark://host:port` (with `data=` a folder the cluster can read)."""
    mapping_data = load_mapping(mapping)
    calendar = mapping_data.get(LOCALE_KEY, {}).get("calendar")
    if spec == "db":
        source = _open_db(database_url)
    elif spec == "spark" or spec.startswith("spark://"):
        source = _open_spark(spec, data, mapping_data, session)
    else:
        import ibis

        folder = Path(spec)
        con = ibis.duckdb.connect()
        # an evaluation reads the cases files four times and orders twice: parse each footer once
        con.raw_sql("SET parquet_metadata_cache = true")
        source = _attach_folder(Source("duckdb", con, f"DuckDB over {folder}"), folder, mapping_data)
    source.calendar = calendar
    return source


def read_table(source: Source, name: str) -> pd.DataFrame:
    """A whole input table as pandas (the validation tables are small); empty with its columns if absent."""
    import pandas as pd

    if name not in TABLES:
        raise InvalidInput(f"未知表 / unknown table: {name}", field="name")
    if not source.has(name):
        return pd.DataFrame({col: pd.Series(dtype="object") for col in TABLES[name].names})
    return source.table(name).execute()
