"""Indexing tables: the last IndexNow ping of each URL (with the content it announced) and each
page's index state per day as Search Console (or the offline inspection) reported it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps


class IndexPing(Base, NaturalKey, BrandScoped, Timestamps):
    """One row per URL: when it was last announced to IndexNow, with which content hash, and how
    the endpoint answered; a URL whose hash has not changed is not announced again."""

    __tablename__ = "index_pings"
    natural_key = ("brand", "url")

    url: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    pinged_at: Mapped[datetime] = mapped_column()
    backend: Mapped[str] = mapped_column(String(20))  # indexnow | offline
    batch: Mapped[int] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer)


class IndexStatus(Base, NaturalKey, BrandScoped, Timestamps):
    """A page's index state on one day: the URL Inspection API's verdict and states, or the offline
    inspection's, derived from the page's own facts; `reason` says in words why it is not indexed."""

    __tablename__ = "index_status"
    natural_key = ("brand", "day", "url")

    day: Mapped[date] = mapped_column(index=True)
    url: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(20))  # search_console | offline
    indexed: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[str] = mapped_column(String(30))
    coverage_state: Mapped[str] = mapped_column(String(200))
    indexing_state: Mapped[str | None] = mapped_column(String(40))
    page_fetch_state: Mapped[str | None] = mapped_column(String(40))
    robots_txt_state: Mapped[str | None] = mapped_column(String(40))
    last_crawl_time: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
