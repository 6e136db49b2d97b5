"""security: API tokens expire, carry scopes and record when they were last used

Revision ID: 0108_token_lifecycle
Revises: 0102_console_accounts
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0108_token_lifecycle"
down_revision: str | None = "0109_pii_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # tokens issued before expiry existed keep working (expires_at NULL): expiring them here would cut off
    # every integration at upgrade time; `aftersales token list` shows them and `token revoke` ends them
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("scopes", sa.String(length=60), nullable=False, server_default="read write"))
    op.execute("UPDATE api_tokens SET scopes = 'read write admin' WHERE role = 'platform_admin'")


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
