"""Alembic environment: the URL comes from the caller's config, the schema from every domain's models."""

from __future__ import annotations

from typing import Literal

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection

from aftersales.db import UtcDateTime, make_engine
from aftersales.models_registry import load_all_models

config = context.config
target_metadata = load_all_models().metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    # migrations hold plain column types: the UTC conversion lives in the model, not in the schema
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as fresh:
        _run(fresh)
    engine.dispose()


def _run(connection: Connection) -> None:
    # batch mode lets later migrations alter SQLite tables (which has no ALTER COLUMN)
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      render_item=render_item)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # a batch migration recreates a table that others reference; SQLite only allows that with foreign keys
        # off, and the pragma takes effect outside a transaction. The check below proves nothing was orphaned.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
