"""trends: source status per day, topic signals, ranked opportunities

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "trend_source_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("payload_key", sa.String(length=300), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_source_status")),
        sa.UniqueConstraint("brand", "day", "source", name=op.f("uq_trend_source_status_brand_day_source")),
    )
    op.create_table(
        "trend_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("interest", sa.Float(), nullable=False),
        sa.Column("spike_score", sa.Float(), nullable=True),
        sa.Column("confirmed_score", sa.Float(), nullable=True),
        sa.Column("spike_date", sa.Date(), nullable=True),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("lifecycle", sa.String(length=20), nullable=False),
        sa.Column("viral_coefficient", sa.Float(), nullable=True),
        sa.Column("forecast", sa.JSON(), nullable=True),
        sa.Column("peak_date", sa.Date(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_signals")),
        sa.UniqueConstraint("brand", "day", "topic", name=op.f("uq_trend_signals_brand_day_topic")),
    )
    op.create_table(
        "trend_opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("topic_key", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("matched_seed", sa.String(length=300), nullable=True),
        sa.Column("spike_score", sa.Float(), nullable=True),
        sa.Column("spike_date", sa.Date(), nullable=True),
        sa.Column("lifecycle", sa.String(length=20), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("brief_key", sa.String(length=300), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_opportunities")),
        sa.UniqueConstraint("brand", "as_of", "topic", name=op.f("uq_trend_opportunities_brand_as_of_topic")),
    )
    for table, columns in (
        ("trend_source_status", ["brand", "day"]),
        ("trend_signals", ["brand", "day"]),
        ("trend_opportunities", ["brand", "as_of", "topic_key"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table in ("trend_opportunities", "trend_signals", "trend_source_status"):
        op.drop_table(table)
