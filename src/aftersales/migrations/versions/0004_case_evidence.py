"""evidence files attached to cases (photos, medical and test reports), stored by content hash

Revision ID: 0004_case_evidence
Revises: 0003_default_sla_matrix
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_case_evidence"
down_revision: str | None = "0003_default_sla_matrix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_role", sa.String(length=20), nullable=False),
        sa.Column("uploaded_by_id", sa.String(length=40), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_evidence_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_evidence")),
        sa.UniqueConstraint("case_id", "sha256", name="uq_case_evidence_file"),
    )
    with op.batch_alter_table("case_evidence") as batch:
        batch.create_index(batch.f("ix_case_evidence_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("case_evidence")
