"""Outreach tables beyond the core ones (backlinks, outreach_campaigns, influencers,
communities): journalist queries, pitches, link prospects, email sequences with every email sent
(by Message-ID, recorded before sending), the suppression list, and competitors' pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps

# The kinds of column these tables repeat, each declared once: `Mapped[Address]` is a String(320)
# column (a default, an index or nullability is added where a column is declared).
Address = Annotated[str, mapped_column(String(320))]  # an email address (SMTP's longest path)
Url = Annotated[str, mapped_column(String(1000))]
Line = Annotated[str, mapped_column(String(500))]  # a subject, topic or title; a digest's Message-ID
Label = Annotated[str, mapped_column(String(300))]  # a site, outlet, anchor, reason, keyword or id
Name = Annotated[str, mapped_column(String(200))]  # a person, a competitor, a campaign's slug
Key = Annotated[str, mapped_column(String(64))]  # a query's key, a page's content sha256
Tag = Annotated[str, mapped_column(String(30))]  # a digest source, a sequence kind, a suppression reason
Word = Annotated[str, mapped_column(String(20))]  # a status, state, change or prospect kind
Body = Annotated[str, mapped_column(Text)]


class JournalistQuery(Base, NaturalKey, BrandScoped, Timestamps):
    """One journalist request from a digest (HARO, Qwoted, SourceBottle ...), deduplicated."""

    __tablename__ = "journalist_queries"
    natural_key = ("brand", "query_key")

    query_key: Mapped[Key]
    source: Mapped[Tag]
    outlet: Mapped[Label] = mapped_column(default="")
    journalist: Mapped[Name] = mapped_column(default="")
    topic: Mapped[Line]
    details: Mapped[Body] = mapped_column(default="")
    requirements: Mapped[Body] = mapped_column(default="")
    deadline: Mapped[datetime]
    reply_to: Mapped[Address]
    word_limit: Mapped[int] = mapped_column(default=250)
    received_at: Mapped[datetime]
    digest_message_id: Mapped[Line] = mapped_column(default="")
    relevance: Mapped[float | None] = mapped_column(Float)
    status: Mapped[Word] = mapped_column(default="new")


class Pitch(Base, NaturalKey, BrandScoped, Timestamps):
    """An answer to one journalist query, citing the brand's pages, within the word limit."""

    __tablename__ = "pitches"
    natural_key = ("brand", "query_key")

    query_key: Mapped[Key]
    recipient: Mapped[Address]
    subject: Mapped[Line]
    body: Mapped[Body]
    word_count: Mapped[int]
    word_limit: Mapped[int]
    cited_urls: Mapped[list] = mapped_column(default=list)
    send_by: Mapped[datetime]
    status: Mapped[Word] = mapped_column(default="ready")


class LinkProspect(Base, NaturalKey, BrandScoped, Timestamps):
    """A broken outbound link the brand could replace, or a resource page on its topics."""

    __tablename__ = "link_prospects"
    natural_key = ("brand", "kind", "page_url", "broken_url")

    kind: Mapped[Word]
    page_url: Mapped[Url]
    site: Mapped[Label]
    broken_url: Mapped[Url] = mapped_column(default="")
    reason: Mapped[Label] = mapped_column(default="")
    anchor: Mapped[Label] = mapped_column(default="")
    suggested_url: Mapped[Url] = mapped_column(default="")
    suggested_title: Mapped[Label] = mapped_column(default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    contact_email: Mapped[Address] = mapped_column(default="")
    status: Mapped[Word] = mapped_column(default="new")


class OutreachSequence(Base, NaturalKey, BrandScoped, Timestamps):
    """One recipient in one campaign: a first email and scheduled follow-ups until a stop."""

    __tablename__ = "outreach_sequences"
    natural_key = ("brand", "campaign_slug", "recipient")

    campaign_slug: Mapped[Name]
    kind: Mapped[Tag]
    recipient: Mapped[Address] = mapped_column(index=True)
    recipient_name: Mapped[Name] = mapped_column(default="")
    subject: Mapped[Line]
    body: Mapped[Body]
    follow_up_days: Mapped[list] = mapped_column(default=list)
    send_by: Mapped[datetime | None]
    state: Mapped[Word] = mapped_column(default="active", index=True)
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[Label | None]


class OutreachEmail(Base, NaturalKey, BrandScoped, Timestamps):
    """Every email of a sequence, recorded with its Message-ID before it is sent."""

    __tablename__ = "outreach_emails"
    natural_key = ("sequence_id", "step")
    __table_args__ = (UniqueConstraint(*natural_key), UniqueConstraint("message_id"))

    sequence_id: Mapped[int] = mapped_column(ForeignKey("outreach_sequences.id", ondelete="CASCADE"))
    step: Mapped[int]
    message_id: Mapped[Label]
    mailbox: Mapped[Address] = mapped_column(index=True)
    recipient: Mapped[Address]
    subject: Mapped[Line]
    state: Mapped[Word] = mapped_column(default="recorded")
    recorded_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    provider_id: Mapped[Label | None]
    error: Mapped[Body | None]


class Suppression(Base, NaturalKey, BrandScoped, Timestamps):
    """An address never written to again, in any campaign (bounce, unsubscribe, complaint)."""

    __tablename__ = "suppressions"
    natural_key = ("brand", "email")

    email: Mapped[Address]
    reason: Mapped[Tag]
    source_message_id: Mapped[Line | None]


class CompetitorPage(Base, NaturalKey, BrandScoped, Timestamps):
    """A competitor's page as last crawled: content hash, when it appeared and last changed."""

    __tablename__ = "competitor_pages"
    natural_key = ("brand", "url")

    competitor: Mapped[Name]
    url: Mapped[Url]
    title: Mapped[Line] = mapped_column(default="")
    content_sha256: Mapped[Key]
    change: Mapped[Word] = mapped_column(default="new")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    changed_at: Mapped[datetime | None]
    matched_keyword: Mapped[Label | None]
    brand_covers: Mapped[bool] = mapped_column(default=False)
