"""indexing: the last IndexNow ping per URL, and each page's index state per day

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _brand_and_timestamps() -> list[sa.Column]:
    return [
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "index_pings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("pinged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        *_brand_and_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_pings")),
        sa.UniqueConstraint("brand", "url", name=op.f("uq_index_pings_brand_url")),
    )
    op.create_table(
        "index_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=30), nullable=False),
        sa.Column("coverage_state", sa.String(length=200), nullable=False),
        sa.Column("indexing_state", sa.String(length=40), nullable=True),
        sa.Column("page_fetch_state", sa.String(length=40), nullable=True),
        sa.Column("robots_txt_state", sa.String(length=40), nullable=True),
        sa.Column("last_crawl_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        *_brand_and_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_status")),
        sa.UniqueConstraint("brand", "day", "url", name=op.f("uq_index_status_brand_day_url")),
    )
    for table, columns in (("index_pings", ["brand"]), ("index_status", ["brand", "day"])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table in ("index_status", "index_pings"):
        op.drop_table(table)
