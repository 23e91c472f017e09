"""The analytics domain's warehouse queries and upserts.

It writes what the daily assets measure (journeys, post performance, metrics) and what the learning
loop derives (attribution credit, experiment read-outs, bandit allocations, forecasts, campaign
memory), each an upsert on the table's natural key so a re-run rewrites the same rows. It reads
those back, and the rows other groups made that analytics learns from: published posts, pages
and videos. Every function takes the plain `Warehouse` and opens its own session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from marketing_engine.analytics.touchpoints import JOURNEY_METRICS
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse import models as tables

METRIC_KEY = tables.CampaignMetric.natural_key  # brand, content_ref, platform, day, metric, source
CHANNEL = "channel:"  # the content_ref prefix of the per-channel rows journeys and channel totals make


def _upsert(
    warehouse: Warehouse, model: type[tables.Base], rows: Sequence[dict], keys: Sequence[str] = ()
) -> int:
    """Upsert `rows` on `keys`, by default the model's natural key."""
    with warehouse.session() as session:
        return upsert(session, model, rows, keys=keys or model.natural_key)


def _brand_rows(
    warehouse: Warehouse, model: type[tables.Base], brand: str, columns: Sequence, limit: int | None = None
) -> list[dict[str, Any]]:
    """`columns` of the brand's rows of `model`'s table (its first `limit`), in the order written."""
    query = select(*columns).where(model.brand == brand).order_by(model.id).limit(limit)
    with warehouse.session() as session:
        return [dict(row._mapping) for row in session.execute(query)]


def brand_rows(warehouse: Warehouse, model: type[tables.Base], brand: str) -> list[dict[str, Any]]:
    """Every column of the brand's rows of one table, in the order they were written."""
    return _brand_rows(warehouse, model, brand, model.__table__.columns)


def journey_records(warehouse: Warehouse, brand: str) -> list[dict[str, Any]]:
    """The brand's customer journeys as the attribution models read them."""
    journey = tables.CustomerJourney
    columns = (journey.day, journey.channels, journey.days_before, journey.converted, journey.revenue)
    return _brand_rows(warehouse, journey, brand, (*columns, journey.product))


def journey_count(warehouse: Warehouse, brand: str) -> int:
    return warehouse.count(tables.CustomerJourney, brand=brand)


def _channel_rows(brand: str, source: str):
    """The brand's per-channel `campaign_metrics` rows from one source (a query's where clause)."""
    metric = tables.CampaignMetric
    return metric.brand == brand, metric.source == source, metric.content_ref.startswith(CHANNEL)


def save_journeys(warehouse: Warehouse, journeys: Sequence[dict], metrics: Sequence[dict]) -> None:
    """A day's customer journeys and the per-channel metrics drawn from them, in one transaction. A
    day measured again replaces its per-channel rows from the same source (a channel the source no
    longer reports that day leaves no row behind); other sources' rows and other days' stay."""
    metric = tables.CampaignMetric
    with warehouse.session() as session:
        for brand, day, source in sorted({(m["brand"], m["day"], m["source"]) for m in metrics}):
            session.execute(delete(metric).where(*_channel_rows(brand, source), metric.day == day))
        upsert(session, tables.CustomerJourney, journeys, keys=tables.CustomerJourney.natural_key)
        upsert(session, metric, metrics, keys=METRIC_KEY)


def replace_journeys(
    warehouse: Warehouse,
    brand: str,
    journeys: Sequence[dict],
    metrics: Sequence[dict],
    window: tuple[str, date] | None = None,
) -> None:
    """Imported journeys and their per-channel metrics, in one transaction. A journey's key names
    its visitor and first touch: a row with the same key (an earlier import, when the journey had
    not ended yet) is replaced whatever its day. `window` (source, first day): an export read
    again over a window replaces every journey of that source that ended in it, and that source's
    per-channel journey metrics from the window's first day (a channel gone from a day leaves no row)."""
    journey, metric = tables.CustomerJourney, tables.CampaignMetric
    keys = [row["journey_key"] for row in journeys]
    with warehouse.session() as session:
        if window:
            source, first = window
            session.execute(
                delete(journey).where(journey.brand == brand, journey.source == source, journey.day >= first)
            )
            session.execute(
                delete(metric).where(
                    *_channel_rows(brand, source), metric.day >= first, metric.metric.in_(JOURNEY_METRICS)
                )
            )
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            session.execute(delete(journey).where(journey.brand == brand, journey.journey_key.in_(chunk)))
        upsert(session, journey, journeys, keys=journey.natural_key)
        upsert(session, metric, metrics, keys=METRIC_KEY)


def save_post_performance(
    warehouse: Warehouse, brand: str, rows: Sequence[dict], metrics: Sequence[dict], run_id: str | None
) -> dict[str, int]:
    """A day's post performance and its metric rows; the brand's campaigns then move on to the stage
    their measured posts put them in. Returns the number of campaigns per stage."""
    from marketing_engine.publishing.workflow import sync_campaign_workflows

    with warehouse.session() as session:
        upsert(session, tables.ContentPerformance, rows, keys=tables.ContentPerformance.natural_key)
        upsert(session, tables.CampaignMetric, metrics, keys=METRIC_KEY)
        return sync_campaign_workflows(session, brand, run_id)


def save_attribution(warehouse: Warehouse, rows: Sequence[dict]) -> None:
    _upsert(warehouse, tables.AttributionCredit, rows)


def save_experiments(warehouse: Warehouse, experiments: Sequence[dict], allocations: Sequence[dict]) -> None:
    """Experiment read-outs and the bandit allocations drawn from them, in one transaction."""
    with warehouse.session() as session:
        upsert(session, tables.ExperimentResult, experiments, keys=tables.ExperimentResult.natural_key)
        upsert(session, tables.BanditAllocation, allocations, keys=tables.BanditAllocation.natural_key)


def save_forecasts(warehouse: Warehouse, rows: Sequence[dict]) -> None:
    _upsert(warehouse, tables.PerformanceForecast, rows)


def save_findings(warehouse: Warehouse, rows: Sequence[dict]) -> None:
    _upsert(warehouse, tables.CampaignMemory, rows, ["brand", "platform", "dimension", "finding_key"])


def published_posts(warehouse: Warehouse, brand: str, day: date) -> list[dict[str, Any]]:
    """The brand's posts published on `day` (UTC), with `posted_at`: when each went out (a post
    without a publish time counts on the day it was scheduled for)."""
    post = tables.SocialPost
    start = datetime.combine(day, time.min, tzinfo=UTC)
    posted_at = func.coalesce(post.published_at, post.scheduled_at)
    query = (
        select(post.content_ref, post.variant, post.platform, post.body, post.platform_post_id)
        .add_columns(posted_at.label("posted_at"))
        .where(post.brand == brand, post.state == "published")
        .where(posted_at >= start, posted_at < start + timedelta(days=1))
        .order_by(post.id)
    )
    with warehouse.session() as session:
        return [dict(row._mapping) for row in session.execute(query)]


def pages(warehouse: Warehouse, brand: str, limit: int) -> list[dict[str, Any]]:
    """The brand's first `limit` programmatic pages: slug, title and review status."""
    page = tables.ProgrammaticPage
    return _brand_rows(warehouse, page, brand, (page.slug, page.title, page.status), limit)


def videos(warehouse: Warehouse, brand: str, limit: int) -> list[dict[str, Any]]:
    """The brand's first `limit` rendered videos: topic, rendition and duration."""
    video = tables.VideoAsset
    return _brand_rows(warehouse, video, brand, (video.topic, video.rendition, video.duration_s), limit)


def learned_findings(
    warehouse: Warehouse, brand: str, platforms: list[str] | None = None, limit: int = 8
) -> list[str]:
    """Campaign-memory sentences, strongest evidence first; with `platforms`, only theirs and the
    findings that hold everywhere or for the site."""
    memory = tables.CampaignMemory
    query = select(memory.finding).where(memory.brand == brand)
    if platforms:
        query = query.where(memory.platform.in_([*platforms, "all", "site"]))
    query = query.order_by(memory.evidence_count.desc(), memory.finding_key).limit(limit)
    with warehouse.session() as session:
        return list(session.scalars(query))


def bandit_shares(warehouse: Warehouse, brand: str, platform: str, dimension: str) -> dict[str, float]:
    """Arm -> share of posts (sums to 1), or {} before the experiments asset has run."""
    allocation = tables.BanditAllocation
    query = select(allocation.arm, allocation.share).where(
        allocation.brand == brand, allocation.platform == platform, allocation.dimension == dimension
    )
    with warehouse.session() as session:
        return dict(session.execute(query).tuples().all())


def save_spend(warehouse: Warehouse, brand: str, rows: Sequence[dict]) -> int:
    """Daily campaign spend, upserted on (brand, day, platform, campaign): a platform's restated
    figure replaces the one fetched before."""
    return _upsert(warehouse, tables.AdSpend, [{"brand": brand, **row} for row in rows])


def spend_rows(warehouse: Warehouse, brand: str) -> list[dict[str, Any]]:
    """The brand's ad spend rows (day, platform, campaign, spend, currency, source)."""
    spend = tables.AdSpend
    columns = (spend.day, spend.platform, spend.campaign, spend.spend, spend.currency, spend.source)
    return _brand_rows(warehouse, spend, brand, columns)
