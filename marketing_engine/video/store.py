"""The video domain's warehouse queries and upserts, typed on the ORM models.

What the video assets keep (the brand's video DNA, one `video_assets` row per rendition with its gate
result, the content registry's records) and what they read (earlier renders of a topic, the trends
engine's best opportunity and news payload for it). Each function opens and commits its own session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import TrendOpportunity, TrendSourceStatus, VideoAsset, VideoDNA
from marketing_engine.warehouse.registry import ContentRecord, RegistryReport, record_content

RENDITION_KEY = ["brand", "topic", "length_s", "rendition"]


def save_video_dna(warehouse: Warehouse, brand: str, dna: Mapping[str, Any]) -> None:
    """One `video_dna` row per brand: its fingerprint and the whole spec."""
    with warehouse.session() as session:
        upsert(
            session, VideoDNA, [{"brand": brand, "fingerprint": dna["fingerprint"], "spec": dna}], ["brand"]
        )


def rendered_manifests(warehouse: Warehouse, brand: str, topic: str, length_s: int) -> dict[str, str]:
    """Rendition → manifest sha256 of the topic's renders at this length: what need not render again."""
    query = select(VideoAsset.rendition, VideoAsset.manifest_sha256).where(
        VideoAsset.brand == brand, VideoAsset.topic == topic, VideoAsset.length_s == length_s
    )
    with warehouse.session() as session:
        return {name: digest for name, digest in session.execute(query) if digest}


def save_renditions(
    warehouse: Warehouse, brand: str, rows: Sequence[Mapping[str, Any]], records: Sequence[ContentRecord]
) -> RegistryReport:
    """Upsert the brand's `video_assets` rows and record their files in the content registry, in one
    transaction."""
    with warehouse.session() as session:
        upsert(session, VideoAsset, [{"brand": brand, **row} for row in rows], keys=RENDITION_KEY)
        return record_content(session, brand, records)


def hold_renditions(warehouse: Warehouse, brand: str, topic: str, report: Mapping[str, Any]) -> None:
    """Mark every earlier render of the topic held (its script now fails the claims gate): none is published."""
    statement = (
        update(VideoAsset)
        .where(VideoAsset.brand == brand, VideoAsset.topic == topic)
        .values(gate_status="held", gate_report=dict(report))
    )
    with warehouse.session() as session:
        session.execute(statement)


def rendition_gates(warehouse: Warehouse, brand: str, topic: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Rendition → (gate status, gate report) of the topic's renders, as `rendered_videos` stored them."""
    query = select(VideoAsset.rendition, VideoAsset.gate_status, VideoAsset.gate_report).where(
        VideoAsset.brand == brand, VideoAsset.topic == topic
    )
    with warehouse.session() as session:
        return {name: (status, report or {}) for name, status, report in session.execute(query)}


def best_opportunity(
    warehouse: Warehouse, brand: str, topic_key: str | None = None
) -> TrendOpportunity | None:
    """The highest-ranked trend opportunity of the newest day (for one topic key where given), or None
    where the trends engine has written none or its tables are not in this warehouse."""
    query = select(TrendOpportunity).where(TrendOpportunity.brand == brand)
    if topic_key is not None:
        query = query.where(TrendOpportunity.topic_key == topic_key)
    query = query.order_by(TrendOpportunity.as_of.desc(), TrendOpportunity.rank.asc()).limit(1)
    try:
        with warehouse.session() as session:
            found = session.scalars(query).first()
            if found is not None:
                session.expunge(found)
            return found
    except SQLAlchemyError:  # the trends tables are not migrated in this warehouse (yet)
        return None


def news_payload_key(warehouse: Warehouse, brand: str, day: date) -> str | None:
    """The media-store key of the news source's payload for that trends day, if it answered."""
    query = select(TrendSourceStatus.payload_key).where(
        TrendSourceStatus.brand == brand, TrendSourceStatus.day == day, TrendSourceStatus.source == "news"
    )
    try:
        with warehouse.session() as session:
            return session.scalar(query)
    except SQLAlchemyError:
        return None


def latest_renditions(warehouse: Warehouse, brand: str, limit: int = 12) -> list[VideoAsset]:
    """The brand's newest renditions with their gate status and report (for the review desk)."""
    query = (
        select(VideoAsset)
        .where(VideoAsset.brand == brand)
        .order_by(VideoAsset.updated_at.desc(), VideoAsset.id.desc())
        .limit(limit)
    )
    with warehouse.session() as session:
        return list(session.scalars(query))


def rendition_by_id(warehouse: Warehouse, brand: str, asset_id: int) -> VideoAsset | None:
    """One of the brand's renditions by id (None when the brand has no such rendition)."""
    query = select(VideoAsset).where(VideoAsset.brand == brand, VideoAsset.id == asset_id)
    with warehouse.session() as session:
        return session.scalars(query).first()
