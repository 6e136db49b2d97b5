"""seed the default escalation matrix (SPEC §2), so a fresh database answers and escalates from the start

Only an empty matrix is seeded: an operator's edits are never overwritten. The rows are frozen here as they were
when this migration was written; later changes to the defaults come as migrations of their own.

Revision ID: 0003_default_sla_matrix
Revises: 0002_line_items
Create Date: 2026-12-01 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003_default_sla_matrix"
down_revision: str | None = "0002_line_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: tier, case type, priority, first response, human response, resolution (minutes), business hours, escalate to
_ROWS = (
    ("L1", None, None, 15, None, 72 * 60, False, "L2"),
    ("L1", "refund_only", None, 15, None, 48 * 60, False, "L2"),
    ("L1", "return_refund", None, 15, None, 48 * 60, False, "L2"),
    ("L2", None, None, 15, 60, 72 * 60, False, "L3"),
    ("L2", "refund_only", None, 15, 60, 48 * 60, False, "L3"),
    ("L2", "return_refund", None, 15, 60, 48 * 60, False, "L3"),
    ("L2", None, 1, 15, 30, 72 * 60, False, "L3"),
    ("L2", "allergy_claim", None, 15, 60, 7 * 9 * 60, True, "L3"),
    ("L3", None, None, 15, 30, 24 * 60, False, None),
)

_policies = sa.table(
    "sla_policies",
    sa.column("tier", sa.String), sa.column("case_type", sa.String), sa.column("priority", sa.Integer),
    sa.column("first_response_minutes", sa.Integer), sa.column("human_response_minutes", sa.Integer),
    sa.column("resolution_minutes", sa.Integer), sa.column("business_hours", sa.Boolean),
    sa.column("escalate_to", sa.String), sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT COUNT(*) FROM sla_policies")).scalar_one():
        return
    now = datetime.now(UTC)
    op.bulk_insert(_policies, [
        {"tier": tier, "case_type": case_type, "priority": priority, "first_response_minutes": first,
         "human_response_minutes": human, "resolution_minutes": resolution, "business_hours": business,
         "escalate_to": escalate, "updated_at": now}
        for tier, case_type, priority, first, human, resolution, business, escalate in _ROWS])


def downgrade() -> None:
    # the seeded rows may have been edited since; a downgrade keeps the operator's matrix as it is
    pass
