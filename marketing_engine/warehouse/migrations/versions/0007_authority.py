"""authority: journalist queries, pitches, link prospects, outreach sequences and emails,
suppressions, competitor pages

Revision ID: 0007
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("influencers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
    op.create_table(
        "competitor_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competitor", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matched_keyword", sa.String(length=300), nullable=True),
        sa.Column("brand_covers", sa.Boolean(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_pages")),
        sa.UniqueConstraint("brand", "url", name=op.f("uq_competitor_pages_brand_url")),
    )
    op.create_index(op.f("ix_competitor_pages_brand"), "competitor_pages", ["brand"], unique=False)
    op.create_table(
        "journalist_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("outlet", sa.String(length=300), nullable=False),
        sa.Column("journalist", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_message_id", sa.String(length=500), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journalist_queries")),
        sa.UniqueConstraint("brand", "query_key", name=op.f("uq_journalist_queries_brand_query_key")),
    )
    op.create_index(op.f("ix_journalist_queries_brand"), "journalist_queries", ["brand"], unique=False)
    op.create_table(
        "link_prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("page_url", sa.String(length=1000), nullable=False),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("broken_url", sa.String(length=1000), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("anchor", sa.String(length=300), nullable=False),
        sa.Column("suggested_url", sa.String(length=1000), nullable=False),
        sa.Column("suggested_title", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_prospects")),
        sa.UniqueConstraint(
            "brand",
            "kind",
            "page_url",
            "broken_url",
            name=op.f("uq_link_prospects_brand_kind_page_url_broken_url"),
        ),
    )
    op.create_index(op.f("ix_link_prospects_brand"), "link_prospects", ["brand"], unique=False)
    op.create_table(
        "outreach_sequences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_slug", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("follow_up_days", sa.JSON(), nullable=False),
        sa.Column("send_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=300), nullable=True),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sequences")),
        sa.UniqueConstraint(
            "brand",
            "campaign_slug",
            "recipient",
            name=op.f("uq_outreach_sequences_brand_campaign_slug_recipient"),
        ),
    )
    op.create_index(op.f("ix_outreach_sequences_brand"), "outreach_sequences", ["brand"], unique=False)
    op.create_index(
        op.f("ix_outreach_sequences_recipient"), "outreach_sequences", ["recipient"], unique=False
    )
    op.create_index(op.f("ix_outreach_sequences_state"), "outreach_sequences", ["state"], unique=False)
    op.create_table(
        "pitches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_key", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=False),
        sa.Column("cited_urls", sa.JSON(), nullable=False),
        sa.Column("send_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitches")),
        sa.UniqueConstraint("brand", "query_key", name=op.f("uq_pitches_brand_query_key")),
    )
    op.create_index(op.f("ix_pitches_brand"), "pitches", ["brand"], unique=False)
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("source_message_id", sa.String(length=500), nullable=True),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("brand", "email", name=op.f("uq_suppressions_brand_email")),
    )
    op.create_index(op.f("ix_suppressions_brand"), "suppressions", ["brand"], unique=False)
    op.create_table(
        "outreach_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["outreach_sequences.id"],
            name=op.f("fk_outreach_emails_sequence_id_outreach_sequences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outreach_emails_message_id")),
        sa.UniqueConstraint("sequence_id", "step", name=op.f("uq_outreach_emails_sequence_id_step")),
    )
    op.create_index(op.f("ix_outreach_emails_brand"), "outreach_emails", ["brand"], unique=False)
    op.create_index(op.f("ix_outreach_emails_mailbox"), "outreach_emails", ["mailbox"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("influencers", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
    op.drop_index(op.f("ix_outreach_emails_mailbox"), table_name="outreach_emails")
    op.drop_index(op.f("ix_outreach_emails_brand"), table_name="outreach_emails")
    op.drop_table("outreach_emails")
    op.drop_index(op.f("ix_suppressions_brand"), table_name="suppressions")
    op.drop_table("suppressions")
    op.drop_index(op.f("ix_pitches_brand"), table_name="pitches")
    op.drop_table("pitches")
    op.drop_index(op.f("ix_outreach_sequences_state"), table_name="outreach_sequences")
    op.drop_index(op.f("ix_outreach_sequences_recipient"), table_name="outreach_sequences")
    op.drop_index(op.f("ix_outreach_sequences_brand"), table_name="outreach_sequences")
    op.drop_table("outreach_sequences")
    op.drop_index(op.f("ix_link_prospects_brand"), table_name="link_prospects")
    op.drop_table("link_prospects")
    op.drop_index(op.f("ix_journalist_queries_brand"), table_name="journalist_queries")
    op.drop_table("journalist_queries")
    op.drop_index(op.f("ix_competitor_pages_brand"), table_name="competitor_pages")
    op.drop_table("competitor_pages")
