"""console: an @mention no longer keeps a copy of the note's words (an erasure scrubs the note, not the copy)

Revision ID: 0110_mention_excerpts
Revises: 0108_token_lifecycle
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0110_mention_excerpts"
down_revision: str | None = "0108_token_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the queue reads the excerpt from the note itself now; copies written before could hold a buyer's name or
    # phone that a later erasure never reached
    op.execute("UPDATE console_mentions SET excerpt = ''")


def downgrade() -> None:
    # the copies are not restored: the notes they came from are where the words live
    pass
