"""one head: the domains' migrations (0002 seo, 0003 trends, 0005 publishing, 0006 analytics,
0007 authority, 0019 content registry) each branched from 0001; this revision joins them, so the
warehouse has a single head and a new migration revises this one (or its successor).

Revision ID: 0020
Revises: 0002, 0003, 0005, 0006, 0007, 0019
"""

from collections.abc import Sequence

revision: str = "0020"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0005", "0006", "0007", "0019")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # a merge point: no schema change


def downgrade() -> None:
    pass
