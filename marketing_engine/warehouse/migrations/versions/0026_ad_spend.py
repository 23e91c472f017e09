"""ad_spend: what each ad campaign spent per day and platform (Meta, Google Ads, LinkedIn or a
spend file), the ROI predictor's spend

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ad_spend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("campaign", sa.String(length=300), nullable=False),
        sa.Column("spend", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_spend")),
        sa.UniqueConstraint(
            "brand", "day", "platform", "campaign", name=op.f("uq_ad_spend_brand_day_platform_campaign")
        ),
    )
    op.create_index(op.f("ix_ad_spend_brand"), "ad_spend", ["brand"], unique=False)
    op.create_index(op.f("ix_ad_spend_day"), "ad_spend", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ad_spend_day"), table_name="ad_spend")
    op.drop_index(op.f("ix_ad_spend_brand"), table_name="ad_spend")
    op.drop_table("ad_spend")
