"""ai visibility: one row per question × assistant × day

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_visibility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("assistant", sa.String(length=30), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("brand_mentioned", sa.Boolean(), nullable=False),
        sa.Column("brand_cited", sa.Boolean(), nullable=False),
        sa.Column("cited_url", sa.String(length=500), nullable=True),
        sa.Column("brand_rank", sa.Integer(), nullable=True),
        sa.Column("brands_mentioned", sa.Integer(), nullable=False),
        sa.Column("competitors_mentioned", sa.JSON(), nullable=False),
        sa.Column("competitors_cited", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("provenance", sa.String(length=20), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_visibility")),
        sa.UniqueConstraint(
            "brand", "day", "assistant", "query", name=op.f("uq_ai_visibility_brand_day_assistant_query")
        ),
    )
    with op.batch_alter_table("ai_visibility", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_visibility_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_visibility_day"), ["day"], unique=False)


def downgrade() -> None:
    op.drop_table("ai_visibility")
