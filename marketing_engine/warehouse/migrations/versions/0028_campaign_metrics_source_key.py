"""campaign_metrics: the source joins the natural key, so the same metric from two sources (journeys
simulated, from a touch file, from GA4's BigQuery export) on one day and channel keeps a row each
instead of the last writer's overwriting the other's

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["brand", "content_ref", "platform", "day", "metric"]


def upgrade() -> None:
    with op.batch_alter_table("campaign_metrics", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_campaign_metrics_" + "_".join(KEY)), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_metrics_" + "_".join([*KEY, "source"])), [*KEY, "source"]
        )


def downgrade() -> None:
    # one row per key again: of the rows that differ only by source, the latest written stays
    op.execute(
        "DELETE FROM campaign_metrics WHERE id NOT IN (SELECT max(id) FROM campaign_metrics "
        "GROUP BY brand, content_ref, platform, day, metric)"
    )
    with op.batch_alter_table("campaign_metrics", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_metrics_" + "_".join([*KEY, "source"])), type_="unique"
        )
        batch_op.create_unique_constraint(batch_op.f("uq_campaign_metrics_" + "_".join(KEY)), KEY)
