"""The indexing tables' queries and upserts: the pages' facts, the last ping per URL, the index
state per day (typed SQLAlchemy on the ORM models; re-running writes the same rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select

from marketing_engine.seo.indexing import PageFacts
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import IndexPing, IndexStatus, ProgrammaticPage, SeoPageBrief


def page_facts(warehouse: Warehouse, brand: str) -> list[PageFacts]:
    """Every built page with a URL: its status, built HTML, publication time and gate failures."""
    brief = and_(SeoPageBrief.brand == ProgrammaticPage.brand, SeoPageBrief.slug == ProgrammaticPage.slug)
    query = (
        select(
            func.coalesce(ProgrammaticPage.published_url, ProgrammaticPage.canonical_url),
            ProgrammaticPage.status,
            ProgrammaticPage.html_key,
            ProgrammaticPage.published_at,
            SeoPageBrief.gate_report,
        )
        .outerjoin(SeoPageBrief, brief)
        .where(ProgrammaticPage.brand == brand, ProgrammaticPage.html_key.is_not(None))
        .order_by(ProgrammaticPage.slug)
    )
    with warehouse.session() as session:
        return [
            PageFacts(url, status, html_key, published, tuple((report or {}).get("failures") or ()))
            for url, status, html_key, published, report in session.execute(query)
            if url
        ]


def last_pings(warehouse: Warehouse, brand: str) -> dict[str, tuple[str, datetime]]:
    """url -> (content hash, when) of each URL's last IndexNow ping."""
    query = select(IndexPing.url, IndexPing.content_sha256, IndexPing.pinged_at).where(
        IndexPing.brand == brand
    )
    with warehouse.session() as session:
        return {url: (sha, at) for url, sha, at in session.execute(query)}


def save_pings(warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert the pings on (brand, url): each URL keeps its last ping."""
    with warehouse.session() as session:
        return upsert(session, IndexPing, [{**row, "brand": brand} for row in rows], IndexPing.natural_key)


def save_status(warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert the day's index state on (brand, day, url)."""
    with warehouse.session() as session:
        return upsert(
            session, IndexStatus, [{**row, "brand": brand} for row in rows], IndexStatus.natural_key
        )


def latest_status(warehouse: Warehouse, brand: str) -> list[dict[str, Any]]:
    """The newest day's index state of every inspected page (empty before the first inspection)."""
    with warehouse.session() as session:
        day: date | None = session.scalar(select(func.max(IndexStatus.day)).where(IndexStatus.brand == brand))
        if day is None:
            return []
        query = (
            select(IndexStatus)
            .where(IndexStatus.brand == brand, IndexStatus.day == day)
            .order_by(IndexStatus.url)
        )
        columns = [
            c.name
            for c in IndexStatus.__table__.columns
            if c.name not in ("id", "brand", "created_at", "updated_at")
        ]
        return [{name: getattr(row, name) for name in columns} for row in session.scalars(query)]
