"""The data model of the original Marketing Domination Engine, plus the three tables it lacked
(SocialPost, Influencer, Community). Each table has a natural key (a unique constraint) so that
every write is an upsert and re-running an asset never duplicates rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps


class ContentCluster(Base, NaturalKey, BrandScoped, Timestamps):
    """A topical cluster of keywords with one hub keyword (topical authority)."""

    __tablename__ = "content_clusters"
    natural_key = ("brand", "slug")

    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    hub_keyword: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer, default=0)
    cohesion: Mapped[float | None] = mapped_column(Float)


class Keyword(Base, NaturalKey, BrandScoped, Timestamps):
    """One normalized search phrase of the keyword universe."""

    __tablename__ = "keywords"
    natural_key = ("brand", "normalized")

    text: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str] = mapped_column(String(300))
    seed: Mapped[str] = mapped_column(String(300))
    intent: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(50), default="offline")
    volume: Mapped[int | None] = mapped_column(Integer)
    difficulty: Mapped[float | None] = mapped_column(Float)
    cpc: Mapped[float | None] = mapped_column(Float)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("content_clusters.id", ondelete="SET NULL"))


class ProgrammaticPage(Base, NaturalKey, BrandScoped, Timestamps):
    """A generated page (Location, Service, Comparison, Question, Guide, Blog)."""

    __tablename__ = "programmatic_pages"
    natural_key = ("brand", "slug")

    slug: Mapped[str] = mapped_column(String(200))
    page_type: Mapped[str] = mapped_column(String(20))
    keyword: Mapped[str] = mapped_column(String(300))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("content_clusters.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    meta_description: Mapped[str] = mapped_column(String(400), default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    quality_score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    html_key: Mapped[str | None] = mapped_column(String(300))
    canonical_url: Mapped[str | None] = mapped_column(String(500))
    published_url: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column()


class SerpResult(Base, NaturalKey, BrandScoped):
    """A keyword's search position on one day from one source."""

    __tablename__ = "serp_results"
    natural_key = ("brand", "keyword", "day", "source")

    keyword: Mapped[str] = mapped_column(String(300))
    day: Mapped[date] = mapped_column()
    source: Mapped[str] = mapped_column(String(50))
    position: Mapped[float | None] = mapped_column(Float)
    url: Mapped[str | None] = mapped_column(String(500))
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    snippet_format: Mapped[str | None] = mapped_column(String(20))


class Backlink(Base, NaturalKey, BrandScoped, Timestamps):
    """A link from another site to the brand's: promised, live or lost."""

    __tablename__ = "backlinks"
    natural_key = ("brand", "source_url", "target_url")

    source_url: Mapped[str] = mapped_column(String(1000))
    target_url: Mapped[str] = mapped_column(String(1000))
    anchor_text: Mapped[str | None] = mapped_column(String(500))
    rel: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="promised")
    first_seen: Mapped[datetime | None] = mapped_column()
    last_seen: Mapped[datetime | None] = mapped_column()


class OutreachCampaign(Base, NaturalKey, BrandScoped, Timestamps):
    """A link-building or PR campaign: pitches, broken-link, resource-page, partnerships."""

    __tablename__ = "outreach_campaigns"
    natural_key = ("brand", "slug")

    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="active")
    details: Mapped[dict] = mapped_column(default=dict)


class TrendData(Base, NaturalKey, BrandScoped):
    """One normalized trend reading per (day, source, topic)."""

    __tablename__ = "trend_data"
    natural_key = ("brand", "day", "source", "topic")

    day: Mapped[date] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(30))
    topic: Mapped[str] = mapped_column(String(300))
    interest: Mapped[float] = mapped_column(Float)
    volume: Mapped[float | None] = mapped_column(Float)
    velocity: Mapped[float | None] = mapped_column(Float)
    lifecycle: Mapped[str | None] = mapped_column(String(20))
    payload_key: Mapped[str | None] = mapped_column(String(300))
    provenance: Mapped[str] = mapped_column(String(20))  # added by 0025: `api` or `simulator` (the replay)


class Campaign(Base, NaturalKey, BrandScoped, Timestamps):
    """A marketing campaign for one product on one channel."""

    __tablename__ = "campaigns"
    natural_key = ("brand", "slug")

    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    product: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(30))
    objective: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="active")
    utm_campaign: Mapped[str] = mapped_column(String(200))


class CampaignContent(Base, NaturalKey, Timestamps):
    """A piece of content (page, video, post) attached to a campaign on a platform."""

    __tablename__ = "campaign_contents"
    natural_key = ("campaign_id", "content_type", "content_ref", "platform")

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(30))
    content_ref: Mapped[str] = mapped_column(String(300))
    platform: Mapped[str] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="draft")


class CampaignMetric(Base, NaturalKey, BrandScoped):
    """One metric value for one piece of content on one platform and day, from one source: two sources
    measuring the same thing (journeys simulated, from a touch file, from GA4's export) keep a row each
    (the source joined the key in migration 0028)."""

    __tablename__ = "campaign_metrics"
    natural_key = ("brand", "content_ref", "platform", "day", "metric", "source")

    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    content_ref: Mapped[str] = mapped_column(String(300))
    platform: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column()
    metric: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(50))  # added by 0025: the provider, import or simulator


class CampaignWorkflow(Base, NaturalKey, Timestamps):
    """Where a campaign is in its workflow (brief, produce, review, publish, measure): the furthest
    stage its content reached, whether it waits for a person, and the counts behind it. Rewritten from
    the warehouse's rows by each asset that moves a campaign (see publishing/workflow.py)."""

    __tablename__ = "campaign_workflows"
    natural_key = ("campaign_id", "name")

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    run_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(default=dict)  # added by migration 0019: the counts per stage


class VideoDNA(Base, NaturalKey, BrandScoped, Timestamps):
    """The brand's video identity: the same look, voice and sound across every video."""

    __tablename__ = "video_dna"
    natural_key = ("brand",)

    fingerprint: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict] = mapped_column(default=dict)


class VideoAsset(Base, NaturalKey, BrandScoped, Timestamps):
    """One rendered rendition of one video."""

    __tablename__ = "video_assets"
    natural_key = ("brand", "topic", "length_s", "rendition")

    topic: Mapped[str] = mapped_column(String(300))
    length_s: Mapped[int] = mapped_column(Integer)
    rendition: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    media_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    gate_status: Mapped[str] = mapped_column(String(20), default="unchecked")
    gate_report: Mapped[dict] = mapped_column(default=dict)


class ContentAsset(Base, NaturalKey, BrandScoped, Timestamps):
    """One version of a piece of content the engine made (page, video, post, image): its media-store
    key and checksum, and where it came from. A new version when the bytes of the same `source_ref`
    change; the same row when they do not (see warehouse/registry.py)."""

    __tablename__ = "content_assets"
    natural_key = ("brand", "kind", "source_ref", "version")

    kind: Mapped[str] = mapped_column(String(20))
    media_key: Mapped[str] = mapped_column(String(300), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    source_ref: Mapped[str] = mapped_column(
        String(300)
    )  # what it is: a page path, a topic's rendition, a post
    # added by migration 0019
    version: Mapped[int] = mapped_column(Integer, default=1)
    provenance: Mapped[dict] = mapped_column(default=dict)  # the asset and run that made it, and from what


class CampaignMemory(Base, NaturalKey, BrandScoped, Timestamps):
    """Something the engine has learned, in words a person can read, with its evidence."""

    __tablename__ = "campaign_memory"
    natural_key = ("brand", "platform", "dimension", "finding_key")

    platform: Mapped[str] = mapped_column(String(30))
    dimension: Mapped[str] = mapped_column(String(50))
    finding_key: Mapped[str] = mapped_column(String(200))
    finding: Mapped[str] = mapped_column(Text)
    effect: Mapped[float | None] = mapped_column(Float)
    effect_low: Mapped[float | None] = mapped_column(Float)
    effect_high: Mapped[float | None] = mapped_column(Float)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)


DUE_POSTS = "state = 'scheduled' AND approved_sha256 = content_sha256"  # what a publish tick may claim


class SocialPost(Base, NaturalKey, BrandScoped, Timestamps):
    """A post on one platform, with its publish state and idempotency key (exactly-once)."""

    __tablename__ = "social_posts"
    natural_key = ("brand", "platform", "content_ref", "variant")
    __table_args__ = (
        UniqueConstraint(*natural_key),
        UniqueConstraint("idempotency_key"),
        # The publish tick's claim (approved, scheduled, oldest first) reads this index in order and
        # stops at its batch; without it each claim sorted every scheduled row (quadratic in a tick).
        Index(
            "ix_social_posts_due",
            "scheduled_at",
            "id",
            postgresql_where=text(DUE_POSTS),
            sqlite_where=text(DUE_POSTS),
        ),
    )

    platform: Mapped[str] = mapped_column(String(30))
    content_ref: Mapped[str] = mapped_column(String(300))
    variant: Mapped[str] = mapped_column(String(50), default="main")
    body: Mapped[str] = mapped_column(Text)
    media_keys: Mapped[list] = mapped_column(default=list)
    link_url: Mapped[str | None] = mapped_column(String(1000))
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    approved_sha256: Mapped[str | None] = mapped_column(String(64))
    platform_post_id: Mapped[str | None] = mapped_column(String(200))
    platform_url: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column()
    # added by migration 0005 (publishing)
    payload: Mapped[dict | None] = (
        mapped_column()
    )  # fields beyond the body: title, thread parts, community, media
    arc_step: Mapped[str | None] = mapped_column(String(20))
    campaign: Mapped[str | None] = mapped_column(String(200))
    publishing_started_at: Mapped[datetime | None] = mapped_column()
    verified_at: Mapped[datetime | None] = mapped_column()


class Influencer(Base, NaturalKey, BrandScoped, Timestamps):
    """A creator on the brand's topics, scored by relevance and engagement."""

    __tablename__ = "influencers"
    natural_key = ("brand", "platform", "handle")

    platform: Mapped[str] = mapped_column(String(30))
    handle: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    followers: Mapped[int] = mapped_column(Integer, default=0)
    engagement_rate: Mapped[float | None] = mapped_column(Float)
    relevance: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    contact_email: Mapped[str | None] = mapped_column(String(320))


class Community(Base, NaturalKey, BrandScoped, Timestamps):
    """A place where the brand's topics are discussed (subreddit, Discord server)."""

    __tablename__ = "communities"
    natural_key = ("brand", "platform", "name")

    platform: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    members: Mapped[int] = mapped_column(Integer, default=0)
    activity_per_day: Mapped[float | None] = mapped_column(Float)
    relevance: Mapped[float | None] = mapped_column(Float)
