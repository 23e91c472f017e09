"""social_posts: a partial index of the posts a publish tick may claim (scheduled and approved as
written), ordered as the claim takes them, so each claim reads its batch instead of sorting every
scheduled row

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE = "state = 'scheduled' AND approved_sha256 = content_sha256"


def upgrade() -> None:
    op.create_index(
        "ix_social_posts_due",
        "social_posts",
        ["scheduled_at", "id"],
        unique=False,
        postgresql_where=sa.text(DUE),
        sqlite_where=sa.text(DUE),
    )


def downgrade() -> None:
    op.drop_index("ix_social_posts_due", table_name="social_posts")
