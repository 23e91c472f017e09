"""provenance: campaign_metrics.source and trend_data.provenance, so every measured row says where
it came from (see marketing_engine/provenance.py); rows stored before this revision say `unknown`

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("campaign_metrics", "source", 50), ("trend_data", "provenance", 20))


def upgrade() -> None:
    for table, column, length in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(column, sa.String(length=length), nullable=False, server_default="unknown")
            )
        with op.batch_alter_table(table) as batch:  # new rows must name their origin themselves
            batch.alter_column(column, server_default=None)


def downgrade() -> None:
    for table, column, _ in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
