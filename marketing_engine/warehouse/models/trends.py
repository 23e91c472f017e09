"""Trend tables beside the core `trend_data`: which sources answered, per-topic signals, opportunities."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps


class TrendSourceStatus(Base, NaturalKey, BrandScoped, Timestamps):
    """One row per (day, source): did the source answer, how many readings, and its error if not."""

    __tablename__ = "trend_source_status"
    natural_key = ("brand", "day", "source")

    day: Mapped[date] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # answered | failed | not_configured
    readings: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    payload_key: Mapped[str | None] = mapped_column(String(300))


class TrendSignal(Base, NaturalKey, BrandScoped, Timestamps):
    """A topic's signals on one day: spike score, lifecycle, confirmation, virality, forecast."""

    __tablename__ = "trend_signals"
    natural_key = ("brand", "day", "topic")

    day: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(300))
    interest: Mapped[float] = mapped_column(Float)
    spike_score: Mapped[float | None] = mapped_column(Float)
    confirmed_score: Mapped[float | None] = mapped_column(Float)
    spike_date: Mapped[date | None] = mapped_column()
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    lifecycle: Mapped[str] = mapped_column(String(20))
    viral_coefficient: Mapped[float | None] = mapped_column(Float)
    forecast: Mapped[list | None] = mapped_column(JSON)  # [{day, mean, lower, upper}]
    peak_date: Mapped[date | None] = mapped_column()


class TrendOpportunity(Base, NaturalKey, BrandScoped, Timestamps):
    """A spiking or emerging topic matched to the brand, ranked, with the reason in words.

    `topic_key` is the topic's partition key in the `topics` dynamic partitions; downstream
    (video, pages) reads the highest-ranked row of the newest `as_of` day.
    """

    __tablename__ = "trend_opportunities"
    natural_key = ("brand", "as_of", "topic")

    as_of: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(300))
    topic_key: Mapped[str] = mapped_column(String(200), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    relevance: Mapped[float] = mapped_column(Float)
    matched_seed: Mapped[str | None] = mapped_column(String(300))
    spike_score: Mapped[float | None] = mapped_column(Float)
    spike_date: Mapped[date | None] = mapped_column()
    lifecycle: Mapped[str] = mapped_column(String(20))
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    brief_key: Mapped[str | None] = mapped_column(String(300))
