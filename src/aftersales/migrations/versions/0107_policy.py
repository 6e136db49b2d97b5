"""policy: product price history (价保) and published rule sets

Revision ID: 0107_policy
Revises: 0101_index_snapshots
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0107_policy"
down_revision: str | None = "0101_index_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_prices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=60), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("min_spend", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("live_session_id", sa.String(length=40), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_product_prices_product_id_products")),
        sa.ForeignKeyConstraint(["live_session_id"], ["live_sessions.id"],
                                name=op.f("fk_product_prices_live_session_id_live_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_prices")),
        sa.UniqueConstraint("product_id", "sku", "audience", "source", "effective_at",
                            name="uq_product_prices_change"),
    )
    with op.batch_alter_table("product_prices") as batch:
        batch.create_index("ix_product_prices_product_time", ["product_id", "effective_at"], unique=False)
    op.create_table(
        "policy_rule_sets",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_policy_rule_sets")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_policy_rule_sets_effective_from")),
    )


def downgrade() -> None:
    op.drop_table("policy_rule_sets")
    op.drop_table("product_prices")
