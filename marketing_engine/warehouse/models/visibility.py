"""Visibility in AI answers: one row per question × assistant × day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, Timestamps


class AIVisibility(Base, BrandScoped, Timestamps):
    """Whether an assistant named or cited the brand for one question on one day, the brand's rank
    among the brands it named, the competitors it named or cited, and the sources it cited.
    `provenance` says where the answer came from (`api` or `simulator`)."""

    __tablename__ = "ai_visibility"
    __table_args__ = (UniqueConstraint("brand", "day", "assistant", "query"),)
    natural_key = ("brand", "day", "assistant", "query")

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    assistant: Mapped[str] = mapped_column(String(30))
    query: Mapped[str] = mapped_column(String(300))
    brand_mentioned: Mapped[bool] = mapped_column(Boolean)
    brand_cited: Mapped[bool] = mapped_column(Boolean)
    cited_url: Mapped[str | None] = mapped_column(String(500))
    brand_rank: Mapped[int | None] = mapped_column(Integer)
    brands_mentioned: Mapped[int] = mapped_column(Integer, default=0)
    competitors_mentioned: Mapped[list] = mapped_column(JSON)
    competitors_cited: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)  # [{url, title}]
    model: Mapped[str] = mapped_column(String(100), default="")
    provenance: Mapped[str] = mapped_column(String(20))
