"""experiments: the arm each post or page was given (experiment_assignments)

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiment_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=400), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("content_ref", sa.String(length=500), nullable=False),
        sa.Column("arm", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment_assignments")),
        sa.UniqueConstraint(
            "brand", "experiment", "unit", name=op.f("uq_experiment_assignments_brand_experiment_unit")
        ),
    )
    with op.batch_alter_table("experiment_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiment_assignments_brand"), ["brand"], unique=False)


def downgrade() -> None:
    op.drop_table("experiment_assignments")
