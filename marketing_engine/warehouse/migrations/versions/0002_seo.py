"""seo: page briefs with their drafts and quality-gate reports

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_briefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("cluster_slug", sa.String(length=200), nullable=False),
        sa.Column("page_type", sa.String(length=20), nullable=False),
        sa.Column("keyword", sa.String(length=300), nullable=False),
        sa.Column("brief", sa.JSON(), nullable=False),
        sa.Column("draft_key", sa.String(length=300), nullable=True),
        sa.Column("draft_sha256", sa.String(length=64), nullable=True),
        sa.Column("modified_on", sa.Date(), nullable=True),
        sa.Column("indexable", sa.Boolean(), nullable=False),
        sa.Column("gate_report", sa.JSON(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_briefs")),
        sa.UniqueConstraint("brand", "slug", name=op.f("uq_page_briefs_brand_slug")),
    )
    with op.batch_alter_table("page_briefs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_briefs_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_briefs_cluster_slug"), ["cluster_slug"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_briefs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_briefs_cluster_slug"))
        batch_op.drop_index(batch_op.f("ix_page_briefs_brand"))
    op.drop_table("page_briefs")
