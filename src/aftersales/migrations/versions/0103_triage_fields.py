"""triage: secondary class and emotion intensity on cases

Revision ID: 0103_triage_fields
Revises: 0001_initial
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0103_triage_fields"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("secondary_category", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("emotion_intensity", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("emotion_intensity")
        batch.drop_column("secondary_category")
