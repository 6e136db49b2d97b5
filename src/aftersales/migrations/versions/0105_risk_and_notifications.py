"""risk warnings, group cases, pre-sale delay warnings, flagged buyers, the notification outbox, webhook secrets

Cases gain `group_id` (the L3 group case gathering a spike's cases), `channel` (the dedicated channel of a
flagged buyer) and `return_collected_at` (the carrier's pickup); a group case names no order or buyer, so those
two columns become nullable.

Revision ID: 0105_risk_and_notifications
Revises: 0107_policy
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0105_risk_and_notifications"
down_revision: str | None = "0107_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _cases_up() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("order_id", existing_type=sa.String(length=40), nullable=True)
        batch.alter_column("buyer_id", existing_type=sa.String(length=40), nullable=True)
        batch.add_column(sa.Column("group_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default="standard"))
        batch.add_column(sa.Column("return_collected_at", _TS, nullable=True))
        batch.create_foreign_key(batch.f("fk_cases_group_id_cases"), "cases", ["group_id"], ["id"])
        batch.create_index(batch.f("ix_cases_group_id"), ["group_id"], unique=False)


def _notifications_up() -> None:
    op.create_table(
        "notification_channels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_notification_channels_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_channels")),
    )
    with op.batch_alter_table("notification_channels") as batch:
        batch.create_index(batch.f("ix_notification_channels_party_id"), ["party_id"], unique=False)
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.Column("dead_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["notification_channels.id"],
                                name=op.f("fk_notification_deliveries_channel_id_notification_channels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint("event_id", "kind", "recipient", name="uq_notification_deliveries_once"),
    )
    with op.batch_alter_table("notification_deliveries") as batch:
        batch.create_index("ix_notification_deliveries_due", ["state", "next_attempt_at"], unique=False)
        batch.create_index(batch.f("ix_notification_deliveries_event_id"), ["event_id"], unique=False)
        batch.create_index(batch.f("ix_notification_deliveries_subject_id"), ["subject_id"], unique=False)
    op.create_table(
        "webhook_secrets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_webhook_secrets_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_secrets")),
    )
    with op.batch_alter_table("webhook_secrets") as batch:
        batch.create_index(batch.f("ix_webhook_secrets_party_id"), ["party_id"], unique=False)


def _risk_up() -> None:
    op.create_table(
        "risk_warnings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("problem_class", sa.String(length=30), nullable=False),
        sa.Column("open_key", sa.String(length=120), nullable=True),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.String(length=40), nullable=True),
        sa.Column("group_case_id", sa.String(length=40), nullable=True),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["parties.id"], name=op.f("fk_risk_warnings_brand_id_parties")),
        sa.ForeignKeyConstraint(["group_case_id"], ["cases.id"], name=op.f("fk_risk_warnings_group_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_warnings")),
        sa.UniqueConstraint("open_key", name=op.f("uq_risk_warnings_open_key")),
    )
    with op.batch_alter_table("risk_warnings") as batch:
        batch.create_index("ix_risk_warnings_state", ["state", "raised_at"], unique=False)
        batch.create_index(batch.f("ix_risk_warnings_subject_id"), ["subject_id"], unique=False)
        batch.create_index(batch.f("ix_risk_warnings_brand_id"), ["brand_id"], unique=False)
    op.create_table(
        "risk_monitor_marks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("watermark", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_risk_monitor_marks")),
    )
    op.create_table(
        "presale_warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("shop_id", sa.String(length=40), nullable=False),
        sa.Column("promised_ship_by", _TS, nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("warned_at", _TS, nullable=False),
        sa.Column("shipped_at", _TS, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_presale_warnings_order_id_orders")),
        sa.ForeignKeyConstraint(["shop_id"], ["parties.id"], name=op.f("fk_presale_warnings_shop_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_warnings")),
        sa.UniqueConstraint("order_id", name=op.f("uq_presale_warnings_order_id")),
    )
    with op.batch_alter_table("presale_warnings") as batch:
        batch.create_index(batch.f("ix_presale_warnings_shop_id"), ["shop_id"], unique=False)
        batch.create_index(batch.f("ix_presale_warnings_warned_at"), ["warned_at"], unique=False)
    op.create_table(
        "buyer_flags",
        sa.Column("buyer_id", sa.String(length=40), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("return_rate", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("flagged_at", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["buyers.id"], name=op.f("fk_buyer_flags_buyer_id_buyers")),
        sa.PrimaryKeyConstraint("buyer_id", name=op.f("pk_buyer_flags")),
    )


def upgrade() -> None:
    _cases_up()
    _notifications_up()
    _risk_up()


def downgrade() -> None:
    for name in ("buyer_flags", "presale_warnings", "risk_monitor_marks", "risk_warnings", "webhook_secrets",
                 "notification_deliveries", "notification_channels"):
        op.drop_table(name)
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_group_id"))
        batch.drop_constraint(batch.f("fk_cases_group_id_cases"), type_="foreignkey")
        batch.drop_column("return_collected_at")
        batch.drop_column("channel")
        batch.drop_column("group_id")
