"""a partial index of the clocks the SLA sweeper still has to look at (running, not yet breached)

Without it each sweep batch steps over every clock already breached before reaching the next due one, so a
backlog of 100,000 due clocks costs quadratic time.

Revision ID: 0005_sweep_index
Revises: 0004_case_evidence
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sweep_index"
down_revision: str | None = "0004_case_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SWEEPABLE = sa.text("stopped_at IS NULL AND breached_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_sla_clocks_sweep_due", "sla_clocks", ["due_at", "id"], unique=False,
                    sqlite_where=SWEEPABLE, postgresql_where=SWEEPABLE)


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_sweep_due", table_name="sla_clocks")
