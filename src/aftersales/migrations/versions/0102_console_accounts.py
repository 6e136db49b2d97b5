"""console: accounts, sign-in sessions, login throttling, presence, saved filters, mentions; queue indexes

Revision ID: 0102_console_accounts
Revises: 0105_risk_and_notifications
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102_console_accounts"
down_revision: str | None = "0105_risk_and_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("stopped_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "console_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("buyer_id", sa.String(length=40), nullable=True),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["buyer_id"], ["buyers.id"], name=op.f("fk_console_accounts_buyer_id_buyers")),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_console_accounts_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_console_accounts_username")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["console_accounts.id"],
                                name=op.f("fk_console_sessions_account_id_console_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_account_id"), ["account_id"], unique=False)
    op.create_table(
        "console_login_failures",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_console_login_failures")),
    )
    op.create_table(
        "console_presence",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["console_accounts.id"],
                                name=op.f("fk_console_presence_account_id_console_accounts")),
        sa.PrimaryKeyConstraint("case_id", "account_id", name=op.f("pk_console_presence")),
    )
    with op.batch_alter_table("console_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_presence_seen_at"), ["seen_at"], unique=False)
    op.create_table(
        "console_saved_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["console_accounts.id"],
                                name=op.f("fk_console_saved_filters_account_id_console_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_saved_filters")),
        sa.UniqueConstraint("account_id", "name", name="uq_console_saved_filters_name"),
    )
    with op.batch_alter_table("console_saved_filters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_saved_filters_account_id"), ["account_id"], unique=False)
    op.create_table(
        "console_mentions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("note_event_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("excerpt", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["console_accounts.id"],
                                name=op.f("fk_console_mentions_account_id_console_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_mentions")),
    )
    with op.batch_alter_table("console_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_mentions_account_id"), ["account_id"], unique=False)
    # the work queue walks running clocks in deadline order and stops after a page: without this partial index
    # it would step over every stopped clock of every closed case first
    op.create_index("ix_sla_clocks_running_due", "sla_clocks", ["due_at", "id"], unique=False,
                    sqlite_where=RUNNING, postgresql_where=RUNNING)
    # "mine": an agent's open cases without reading every open case
    op.create_index("ix_cases_assigned_state", "cases", ["assigned_agent_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_assigned_state", table_name="cases")
    op.drop_index("ix_sla_clocks_running_due", table_name="sla_clocks")
    for table in ("console_mentions", "console_saved_filters", "console_presence", "console_login_failures", "console_sessions",
                  "console_accounts"):
        op.drop_table(table)
