"""pii: buyers' names encrypted like phone and address (existing names encrypted here), erasure mark, audit fields

Revision ID: 0109_pii_names
Revises: 0102_console_accounts
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from aftersales.keyring import Keyring, load_keyring

revision: str = "0109_pii_names"
down_revision: str | None = "0102_console_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: rows per UPDATE round: a million buyers never sit in memory at once
BATCH = 1000
BUYERS = sa.table("buyers", sa.column("id", sa.String()), sa.column("display_name", sa.String()),
                  sa.column("name_enc", sa.Text()))


def _keyring() -> Keyring:
    # the caller's keys (aftersales.migrate.upgrade(pii_keys=...)), else the configured ones: the same keys the
    # application will read with
    given = op.get_context().config
    keys = given.attributes.get("pii_keys") if given is not None else None
    if isinstance(keys, Keyring):
        return keys
    from aftersales.config import get_settings

    return load_keyring(get_settings())


def _convert(source: sa.ColumnElement[str], target: str, change: Callable[[Keyring, str], str]) -> None:
    """Fill `target` from `source` for every row still missing it, in batches by id; loads the keys only if a
    row needs them (a new, empty database is migrated without any key)."""
    connection = op.get_bind()
    goal = BUYERS.c[target]
    keys: Keyring | None = None
    after = ""
    while True:
        rows = connection.execute(sa.select(BUYERS.c.id, source).where(goal.is_(None), BUYERS.c.id > after)
                                  .order_by(BUYERS.c.id).limit(BATCH)).all()
        if not rows:
            return
        keys = keys or _keyring()
        connection.execute(BUYERS.update().where(BUYERS.c.id == sa.bindparam("row_id"))
                           .values({target: sa.bindparam("value")}),
                           [{"row_id": row_id, "value": change(keys, value or "")} for row_id, value in rows])
        after = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("buyers") as batch:
        batch.add_column(sa.Column("name_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    _convert(BUYERS.c.display_name, "name_enc", lambda keys, name: keys.encrypt(name))
    with op.batch_alter_table("buyers") as batch:
        batch.alter_column("name_enc", existing_type=sa.Text(), nullable=False)
        batch.drop_column("display_name")
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actor", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("purpose", sa.String(length=40), nullable=False, server_default=""))
        batch.add_column(sa.Column("route", sa.String(length=200), nullable=False, server_default=""))
        batch.create_index("ix_audit_log_action_at", ["action", "at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_action_at")
        batch.drop_column("route")
        batch.drop_column("purpose")
        batch.drop_column("actor")
        batch.drop_column("account_id")
    with op.batch_alter_table("buyers") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
    _convert(BUYERS.c.name_enc, "display_name", lambda keys, token: keys.decrypt(token)[:100])
    with op.batch_alter_table("buyers") as batch:
        batch.alter_column("display_name", existing_type=sa.String(length=100), nullable=False)
        batch.drop_column("erased_at")
        batch.drop_column("name_enc")
