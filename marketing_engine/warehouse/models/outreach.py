"""Outreach tables beyond the core ones (backlinks, outreach_campaigns, influencers,
communities): journalist queries, pitches, link prospects, email sequences with every email sent
(by Message-ID, recorded before sending), the suppression list, and competitors' pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, Timestamps


class JournalistQuery(Base, BrandScoped, Timestamps):
    """One journalist request from a digest (HARO, Qwoted, SourceBottle ...), deduplicated."""

    __tablename__ = "journalist_queries"
    __table_args__ = (UniqueConstraint("brand", "query_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(30))
    outlet: Mapped[str] = mapped_column(String(300), default="")
    journalist: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column()
    reply_to: Mapped[str] = mapped_column(String(320))
    word_limit: Mapped[int] = mapped_column(Integer, default=250)
    received_at: Mapped[datetime] = mapped_column()
    digest_message_id: Mapped[str] = mapped_column(String(500), default="")
    relevance: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="new")


class Pitch(Base, BrandScoped, Timestamps):
    """An answer to one journalist query, citing the brand's pages, within the word limit."""

    __tablename__ = "pitches"
    __table_args__ = (UniqueConstraint("brand", "query_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    word_limit: Mapped[int] = mapped_column(Integer)
    cited_urls: Mapped[list] = mapped_column(default=list)
    send_by: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="ready")


class LinkProspect(Base, BrandScoped, Timestamps):
    """A broken outbound link the brand could replace, or a resource page on its topics."""

    __tablename__ = "link_prospects"
    __table_args__ = (UniqueConstraint("brand", "kind", "page_url", "broken_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    page_url: Mapped[str] = mapped_column(String(1000))
    site: Mapped[str] = mapped_column(String(300))
    broken_url: Mapped[str] = mapped_column(String(1000), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    anchor: Mapped[str] = mapped_column(String(300), default="")
    suggested_url: Mapped[str] = mapped_column(String(1000), default="")
    suggested_title: Mapped[str] = mapped_column(String(300), default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[str] = mapped_column(String(20), default="new")


class OutreachSequence(Base, BrandScoped, Timestamps):
    """One recipient in one campaign: a first email and scheduled follow-ups until a stop."""

    __tablename__ = "outreach_sequences"
    __table_args__ = (UniqueConstraint("brand", "campaign_slug", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    follow_up_days: Mapped[list] = mapped_column(default=list)
    send_by: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="active", index=True)
    started_at: Mapped[datetime] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    stop_reason: Mapped[str | None] = mapped_column(String(300))


class OutreachEmail(Base, BrandScoped, Timestamps):
    """Every email of a sequence, recorded with its Message-ID before it is sent."""

    __tablename__ = "outreach_emails"
    __table_args__ = (UniqueConstraint("sequence_id", "step"), UniqueConstraint("message_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("outreach_sequences.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(300))
    mailbox: Mapped[str] = mapped_column(String(320), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20), default="recorded")
    recorded_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    provider_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)


class Suppression(Base, BrandScoped, Timestamps):
    """An address never written to again, in any campaign (bounce, unsubscribe, complaint)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("brand", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(30))
    source_message_id: Mapped[str | None] = mapped_column(String(500))


class CompetitorPage(Base, BrandScoped, Timestamps):
    """A competitor's page as last crawled: content hash, when it appeared and last changed."""

    __tablename__ = "competitor_pages"
    __table_args__ = (UniqueConstraint("brand", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500), default="")
    content_sha256: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(20), default="new")
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    changed_at: Mapped[datetime | None] = mapped_column()
    matched_keyword: Mapped[str | None] = mapped_column(String(300))
    brand_covers: Mapped[bool] = mapped_column(default=False)
