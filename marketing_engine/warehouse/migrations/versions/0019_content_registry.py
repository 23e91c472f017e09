"""content registry: content_assets become versions of each page, video, post and image (natural key
brand, kind, source_ref, version; provenance), campaign_workflows keep the counts behind each stage

Revision ID: 0019
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows written before this revision (none were) get their media key as their source
    op.execute("UPDATE content_assets SET source_ref = media_key WHERE source_ref IS NULL")
    with op.batch_alter_table("content_assets", schema=None) as batch_op:
        batch_op.drop_constraint("uq_content_assets_brand_media_key", type_="unique")
        batch_op.alter_column("source_ref", existing_type=sa.String(length=300), nullable=False)
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("provenance", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_content_assets_brand_kind_source_ref_version"),
            ["brand", "kind", "source_ref", "version"],
        )
        batch_op.create_index(batch_op.f("ix_content_assets_media_key"), ["media_key"], unique=False)
    with op.batch_alter_table("campaign_workflows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("campaign_workflows", schema=None) as batch_op:
        batch_op.drop_column("details")
    op.execute("DELETE FROM content_assets WHERE version > 1")
    with op.batch_alter_table("content_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_assets_media_key"))
        batch_op.drop_constraint(
            batch_op.f("uq_content_assets_brand_kind_source_ref_version"), type_="unique"
        )
        batch_op.drop_column("provenance")
        batch_op.drop_column("version")
        batch_op.alter_column("source_ref", existing_type=sa.String(length=300), nullable=True)
        batch_op.create_unique_constraint("uq_content_assets_brand_media_key", ["brand", "media_key"])
