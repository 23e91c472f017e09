"""analytics: customer journeys, content performance, attribution credit, experiments, bandits, forecasts

Revision ID: 0006
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attribution_credit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("conversions", sa.Float(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution_credit")),
        sa.UniqueConstraint(
            "brand",
            "model",
            "campaign",
            "channel",
            name=op.f("uq_attribution_credit_brand_model_campaign_channel"),
        ),
    )
    op.create_index(op.f("ix_attribution_credit_brand"), "attribution_credit", ["brand"], unique=False)
    op.create_table(
        "bandit_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("arm", sa.String(length=100), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("successes", sa.Float(), nullable=False),
        sa.Column("failures", sa.Float(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bandit_allocations")),
        sa.UniqueConstraint(
            "brand",
            "platform",
            "dimension",
            "arm",
            name=op.f("uq_bandit_allocations_brand_platform_dimension_arm"),
        ),
    )
    op.create_index(op.f("ix_bandit_allocations_brand"), "bandit_allocations", ["brand"], unique=False)
    op.create_table(
        "content_performance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_ref", sa.String(length=300), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hook", sa.String(length=30), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.String(length=3), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("engagements", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("engagement_rate", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_performance")),
        sa.UniqueConstraint(
            "brand",
            "content_ref",
            "platform",
            "day",
            name=op.f("uq_content_performance_brand_content_ref_platform_day"),
        ),
    )
    op.create_index(op.f("ix_content_performance_brand"), "content_performance", ["brand"], unique=False)
    op.create_index(op.f("ix_content_performance_day"), "content_performance", ["day"], unique=False)
    op.create_table(
        "customer_journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("journey_key", sa.String(length=64), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("days_before", sa.JSON(), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_journeys")),
        sa.UniqueConstraint(
            "brand", "day", "journey_key", name=op.f("uq_customer_journeys_brand_day_journey_key")
        ),
    )
    op.create_index(op.f("ix_customer_journeys_brand"), "customer_journeys", ["brand"], unique=False)
    op.create_index(op.f("ix_customer_journeys_day"), "customer_journeys", ["day"], unique=False)
    op.create_table(
        "experiment_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("variant_a", sa.String(length=300), nullable=False),
        sa.Column("variant_b", sa.String(length=300), nullable=False),
        sa.Column("visitors_a", sa.Integer(), nullable=False),
        sa.Column("conversions_a", sa.Integer(), nullable=False),
        sa.Column("visitors_b", sa.Integer(), nullable=False),
        sa.Column("conversions_b", sa.Integer(), nullable=False),
        sa.Column("chance_to_win", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.Column("ci_low", sa.Float(), nullable=False),
        sa.Column("ci_high", sa.Float(), nullable=False),
        sa.Column("expected_loss", sa.Float(), nullable=False),
        sa.Column("sequential_significant", sa.Boolean(), nullable=False),
        sa.Column("cuped_variance_reduction", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("looks", sa.JSON(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment_results")),
        sa.UniqueConstraint("brand", "experiment", name=op.f("uq_experiment_results_brand_experiment")),
    )
    op.create_index(op.f("ix_experiment_results_brand"), "experiment_results", ["brand"], unique=False)
    op.create_table(
        "performance_forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("predicted", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_forecasts")),
        sa.UniqueConstraint(
            "brand", "kind", "subject", name=op.f("uq_performance_forecasts_brand_kind_subject")
        ),
    )
    op.create_index(op.f("ix_performance_forecasts_brand"), "performance_forecasts", ["brand"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_performance_forecasts_brand"), table_name="performance_forecasts")
    op.drop_table("performance_forecasts")
    op.drop_index(op.f("ix_experiment_results_brand"), table_name="experiment_results")
    op.drop_table("experiment_results")
    op.drop_index(op.f("ix_customer_journeys_day"), table_name="customer_journeys")
    op.drop_index(op.f("ix_customer_journeys_brand"), table_name="customer_journeys")
    op.drop_table("customer_journeys")
    op.drop_index(op.f("ix_content_performance_day"), table_name="content_performance")
    op.drop_index(op.f("ix_content_performance_brand"), table_name="content_performance")
    op.drop_table("content_performance")
    op.drop_index(op.f("ix_bandit_allocations_brand"), table_name="bandit_allocations")
    op.drop_table("bandit_allocations")
    op.drop_index(op.f("ix_attribution_credit_brand"), table_name="attribution_credit")
    op.drop_table("attribution_credit")
