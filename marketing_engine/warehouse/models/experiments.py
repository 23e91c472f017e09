"""Experiment assignments: which arm of which experiment a unit (a post, a page) was given, and when.

A post's arm (its hook) is chosen by the bandit when the calendar writes it; a page's arm (control or
treatment title) by the SEO split test's deterministic page groups. The learning loop reads each unit's
measured metrics back through these rows, so a result only ever counts units that really got the arm."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketing_engine.warehouse.models.base import Base, BrandScoped, NaturalKey, Timestamps


class ExperimentAssignment(Base, NaturalKey, BrandScoped, Timestamps):
    """One unit's arm in one experiment: `unit` is a post's `platform|content_ref|variant` or a page's
    slug; `content_ref` is what its metrics are stored under (content_performance, campaign_metrics)."""

    __tablename__ = "experiment_assignments"
    natural_key = ("brand", "experiment", "unit")

    experiment: Mapped[str] = mapped_column(String(200))  # e.g. "hook:linkedin", "seo_title"
    unit: Mapped[str] = mapped_column(String(400))
    platform: Mapped[str] = mapped_column(String(30))
    content_ref: Mapped[str] = mapped_column(String(500))
    arm: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column()
