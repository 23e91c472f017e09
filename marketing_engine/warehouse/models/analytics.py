"""Analytics tables beside the core `campaign_metrics` and `campaign_memory`: customer journeys,
post performance, attribution credit, experiment read-outs, bandit allocations and forecasts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps


class CustomerJourney(Base, NaturalKey, BrandScoped):
    """One visitor's journey ending on `day`: its touches in order and whether it converted."""

    __tablename__ = "customer_journeys"
    natural_key = ("brand", "day", "journey_key")

    day: Mapped[date] = mapped_column(index=True)
    journey_key: Mapped[str] = mapped_column(String(64))
    channels: Mapped[list] = mapped_column(JSON)  # channel names, first touch first
    days_before: Mapped[list] = mapped_column(JSON)  # days between each touch and the journey's end
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    revenue: Mapped[float] = mapped_column(Float, default=0.0)
    product: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(30))  # provider, import or simulator: never assumed


class ContentPerformance(Base, NaturalKey, BrandScoped):
    """A post's features (hook, hour, topic) with its engagement on one day: what the learners read."""

    __tablename__ = "content_performance"
    natural_key = ("brand", "content_ref", "platform", "day")

    content_ref: Mapped[str] = mapped_column(String(300))
    platform: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(index=True)
    hook: Mapped[str] = mapped_column(String(30))
    hour: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[str] = mapped_column(String(3))
    topic: Mapped[str] = mapped_column(String(300))
    length: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer)
    clicks: Mapped[int] = mapped_column(Integer)
    engagement_rate: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(30))  # provider, import or simulator: never assumed


class AttributionCredit(Base, NaturalKey, BrandScoped, Timestamps):
    """Conversions and revenue one model credits to one channel, for all campaigns or one product."""

    __tablename__ = "attribution_credit"
    natural_key = ("brand", "model", "campaign", "channel")

    model: Mapped[str] = mapped_column(String(30))
    campaign: Mapped[str] = mapped_column(String(200))  # "all" or a product's campaign slug
    channel: Mapped[str] = mapped_column(String(30))
    conversions: Mapped[float] = mapped_column(Float)
    revenue: Mapped[float] = mapped_column(Float)
    share: Mapped[float] = mapped_column(Float)


class ExperimentResult(Base, NaturalKey, BrandScoped, Timestamps):
    """The latest read-out of an A/B test: Bayesian, sequential and CUPED figures, daily looks."""

    __tablename__ = "experiment_results"
    natural_key = ("brand", "experiment")

    experiment: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    variant_a: Mapped[str] = mapped_column(String(300))
    variant_b: Mapped[str] = mapped_column(String(300))
    visitors_a: Mapped[int] = mapped_column(Integer)
    conversions_a: Mapped[int] = mapped_column(Integer)
    visitors_b: Mapped[int] = mapped_column(Integer)
    conversions_b: Mapped[int] = mapped_column(Integer)
    chance_to_win: Mapped[float] = mapped_column(Float)
    lift: Mapped[float] = mapped_column(Float)
    ci_low: Mapped[float] = mapped_column(Float)
    ci_high: Mapped[float] = mapped_column(Float)
    expected_loss: Mapped[float] = mapped_column(Float)
    sequential_significant: Mapped[bool] = mapped_column(Boolean, default=False)
    cuped_variance_reduction: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(30))
    looks: Mapped[list] = mapped_column(JSON, default=list)


class BanditAllocation(Base, NaturalKey, BrandScoped, Timestamps):
    """Thompson sampling's share for one arm (a hook or posting hour) on one platform.

    The publishing calendar reads these: `dimension` is "hook" or "posting_time" (arm = "HH:00")."""

    __tablename__ = "bandit_allocations"
    natural_key = ("brand", "platform", "dimension", "arm")

    platform: Mapped[str] = mapped_column(String(30))
    dimension: Mapped[str] = mapped_column(String(30))
    arm: Mapped[str] = mapped_column(String(100))
    share: Mapped[float] = mapped_column(Float)
    successes: Mapped[float] = mapped_column(Float)
    failures: Mapped[float] = mapped_column(Float)


class PerformanceForecast(Base, NaturalKey, BrandScoped, Timestamps):
    """A predicted outcome with an 80% interval: a post's engagement rate or a campaign's revenue."""

    __tablename__ = "performance_forecasts"
    natural_key = ("brand", "kind", "subject")

    kind: Mapped[str] = mapped_column(String(30))  # content | campaign
    subject: Mapped[str] = mapped_column(String(300))
    predicted: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class AdSpend(Base, NaturalKey, BrandScoped, Timestamps):
    """What one ad campaign spent on one day on one platform (the ROI predictor's spend)."""

    __tablename__ = "ad_spend"
    natural_key = ("brand", "day", "platform", "campaign")

    day: Mapped[date] = mapped_column(index=True)
    platform: Mapped[str] = mapped_column(String(30))  # the channel the spend buys: google_ads, meta_ads, …
    campaign: Mapped[str] = mapped_column(String(300))
    spend: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(
        String(30)
    )  # meta_ads_api, google_ads_api, linkedin_ads_api, import, simulator
