"""SEO tables beyond the core model: the brief and draft behind each programmatic page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, Timestamps


class SeoPageBrief(Base, BrandScoped, Timestamps):
    """One page brief (cluster × page type), the draft written from it and its quality-gate report.
    The page itself (title, status, URLs) is the `programmatic_pages` row with the same slug."""

    __tablename__ = "page_briefs"
    __table_args__ = (UniqueConstraint("brand", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(300))
    cluster_slug: Mapped[str] = mapped_column(String(200), index=True)
    page_type: Mapped[str] = mapped_column(String(20))
    keyword: Mapped[str] = mapped_column(String(300))
    brief: Mapped[dict] = mapped_column(default=dict)
    draft_key: Mapped[str | None] = mapped_column(String(300))
    draft_sha256: Mapped[str | None] = mapped_column(String(64))
    modified_on: Mapped[date | None] = mapped_column()
    indexable: Mapped[bool] = mapped_column(Boolean, default=True)
    gate_report: Mapped[dict] = mapped_column(default=dict)
