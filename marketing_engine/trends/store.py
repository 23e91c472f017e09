"""The trends domain's warehouse queries and upserts: readings, source status, signals, opportunities.

Every function takes the plain `Warehouse` and opens its own session. Writes are upserts on each
table's natural key, so materializing an asset twice rewrites the same rows. Light on purpose (no
numpy): the spike sensor imports it on every tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import (
    ContentCluster,
    Keyword,
    TrendData,
    TrendOpportunity,
    TrendSignal,
    TrendSourceStatus,
)

if TYPE_CHECKING:  # opportunities loads numpy and scikit-learn: imported where its rows are built
    from marketing_engine.trends.opportunities import TopicSignalRow


def _newest(session: Session, day: InstrumentedAttribute, brand_column: InstrumentedAttribute, brand: str):
    """The brand's newest value of a day column, or None before the first row."""
    return session.scalar(select(func.max(day)).where(brand_column == brand))


def keywords_by_volume(warehouse: Warehouse, brand: str, limit: int) -> list[str]:
    """The brand's keywords, highest search volume first (unknown volumes last, then by text)."""
    query = (
        select(Keyword.text)
        .where(Keyword.brand == brand)
        .order_by(Keyword.volume.desc().nulls_last(), Keyword.text)
        .limit(limit)
    )
    with warehouse.session() as session:
        return list(session.scalars(query))


def save_snapshot(warehouse: Warehouse, readings: Sequence[dict], statuses: Sequence[dict]) -> int:
    """Upsert one day's readings and its per-source status; returns how many readings were written."""
    with warehouse.session() as session:
        written = upsert(session, TrendData, readings, keys=["brand", "day", "source", "topic"])
        upsert(session, TrendSourceStatus, statuses, keys=TrendSourceStatus.natural_key)
    return written


def recent_readings(warehouse: Warehouse, brand: str, days: int) -> tuple[date | None, list[dict[str, Any]]]:
    """The newest snapshot day and every (day, source, topic, interest) of the `days` days up to it."""
    with warehouse.session() as session:
        as_of = _newest(session, TrendData.day, TrendData.brand, brand)
        if as_of is None:
            return None, []
        query = select(TrendData.day, TrendData.source, TrendData.topic, TrendData.interest).where(
            TrendData.brand == brand, TrendData.day > as_of - timedelta(days=days)
        )
        return as_of, [row._asdict() for row in session.execute(query)]


def save_signals(warehouse: Warehouse, brand: str, as_of: date, rows: Sequence[dict]) -> None:
    """Upsert the day's topic signals; each topic's stage also lands on that day's readings."""
    with warehouse.session() as session:
        upsert(session, TrendSignal, [{**r, "brand": brand} for r in rows], keys=TrendSignal.natural_key)
        for row in rows:
            session.execute(
                update(TrendData)
                .where(TrendData.brand == brand, TrendData.day == as_of, TrendData.topic == row["topic"])
                .values(lifecycle=row["lifecycle"])
            )


def newest_signals(warehouse: Warehouse, brand: str) -> tuple[date | None, list[TopicSignalRow]]:
    """The newest signal day and its topics' signals, as the ranking reads them."""
    from marketing_engine.trends.opportunities import TopicSignalRow

    with warehouse.session() as session:
        as_of = _newest(session, TrendSignal.day, TrendSignal.brand, brand)
        found = session.scalars(
            select(TrendSignal).where(TrendSignal.brand == brand, TrendSignal.day == as_of)
        )
        return as_of, [
            TopicSignalRow(**{name: getattr(signal, name) for name in TopicSignalRow.__dataclass_fields__})
            for signal in found
        ]


def cluster_names(warehouse: Warehouse, brand: str) -> list[str]:
    with warehouse.session() as session:
        return list(session.scalars(select(ContentCluster.name).where(ContentCluster.brand == brand)))


def replace_opportunities(warehouse: Warehouse, brand: str, as_of: date, rows: Sequence[dict]) -> None:
    """The day's ranking replaces the one stored for that day as a whole (a topic that fell out goes)."""
    with warehouse.session() as session:
        session.execute(
            delete(TrendOpportunity).where(TrendOpportunity.brand == brand, TrendOpportunity.as_of == as_of)
        )
        upsert(session, TrendOpportunity, rows, keys=TrendOpportunity.natural_key)


def _opportunity(row: TrendOpportunity) -> dict[str, Any]:
    return {column.name: getattr(row, column.name) for column in TrendOpportunity.__table__.columns}


def newest_opportunity(warehouse: Warehouse, brand: str, topic_key: str) -> dict[str, Any] | None:
    """Every column of the topic's row in its newest ranking, or None if it was never ranked."""
    query = (
        select(TrendOpportunity)
        .where(TrendOpportunity.brand == brand, TrendOpportunity.topic_key == topic_key)
        .order_by(TrendOpportunity.as_of.desc())
    )
    with warehouse.session() as session:
        found = session.scalars(query).first()
        return _opportunity(found) if found is not None else None


def recent_opportunities(warehouse: Warehouse, brand: str, limit: int) -> list[dict[str, Any]]:
    """The brand's first `limit` opportunity rows, in the order they were written."""
    query = select(TrendOpportunity).where(TrendOpportunity.brand == brand).order_by(TrendOpportunity.id)
    with warehouse.session() as session:
        return [_opportunity(row) for row in session.scalars(query.limit(limit))]


def set_brief_key(warehouse: Warehouse, opportunity_id: int, brief_key: str) -> None:
    with warehouse.session() as session:
        session.execute(
            update(TrendOpportunity).where(TrendOpportunity.id == opportunity_id).values(brief_key=brief_key)
        )


def payload_keys(warehouse: Warehouse, brand: str, day: date, sources: Sequence[str]) -> dict[str, str]:
    """Source → media-store key of its raw answer on `day`, for the named sources that kept one."""
    query = select(TrendSourceStatus.source, TrendSourceStatus.payload_key).where(
        TrendSourceStatus.brand == brand,
        TrendSourceStatus.day == day,
        TrendSourceStatus.source.in_(sources),
        TrendSourceStatus.payload_key.is_not(None),
    )
    with warehouse.session() as session:
        return {source: key for source, key in session.execute(query) if key}


@dataclass(frozen=True)
class Spike:
    """A topic of the newest ranking over the brand's threshold; `run_key` names the event, so one
    spike (or one breakout) of a topic asks for one run however often it is seen."""

    topic: str
    topic_key: str
    spike_date: date
    score: float | None
    rank: int
    lifecycle: str = "emerging"

    @property
    def run_key(self) -> str:
        kind = "breakout:" if self.lifecycle == "breakout" else ""
        return f"{self.topic_key}:{kind}{self.spike_date.isoformat()}"


def spikes_over_threshold(warehouse: Warehouse, brand: str, threshold: float) -> list[Spike]:
    """Opportunities of the newest ranking whose confirmed spike score reaches the threshold, or that
    broke out (a breakout's score is measured against its new level, so it is not asked to)."""
    with warehouse.session() as session:
        as_of = _newest(session, TrendOpportunity.as_of, TrendOpportunity.brand, brand)
        if as_of is None:
            return []
        query = (
            select(
                TrendOpportunity.topic,
                TrendOpportunity.topic_key,
                TrendOpportunity.spike_date,
                TrendOpportunity.spike_score,
                TrendOpportunity.rank,
                TrendOpportunity.lifecycle,
            )
            .where(
                TrendOpportunity.brand == brand,
                TrendOpportunity.as_of == as_of,
                TrendOpportunity.spike_date.is_not(None),
                or_(TrendOpportunity.spike_score >= threshold, TrendOpportunity.lifecycle == "breakout"),
            )
            .order_by(TrendOpportunity.rank)
        )
        return [Spike(*row) for row in session.execute(query)]
