"""health-index snapshots: one stored evaluation per subject type and closed period

Revision ID: 0101_index_snapshots
Revises: 0005_sweep_index (chained after main's head at merge time; the lead may re-chain)
Create Date: 2026-12-01 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101_index_snapshots"
down_revision: str | None = "0005_sweep_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_snapshots")),
        sa.UniqueConstraint("subject_type", "period", name="uq_evaluation_snapshots_key"),
    )
    op.create_table(
        "evaluation_snapshot_entries",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=120), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["evaluation_snapshots.id"], ondelete="CASCADE",
                                name=op.f("fk_evaluation_snapshot_entries_snapshot_id_evaluation_snapshots")),
        sa.PrimaryKeyConstraint("snapshot_id", "subject_id", name=op.f("pk_evaluation_snapshot_entries")),
    )


def downgrade() -> None:
    op.drop_table("evaluation_snapshot_entries")
    op.drop_table("evaluation_snapshots")
