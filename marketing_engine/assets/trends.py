"""The trends group: daily snapshots from every source, topic signals, brand opportunities, briefs."""

import json
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from sqlalchemy import delete, select

from marketing_engine.assets.automation import (
    TREND_SNAPSHOTS_FRESHNESS,
    WAREHOUSE,
    after_upstream,
    calls,
    owners,
)
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import daily_partitions, topics_partitions
from marketing_engine.files import write_text
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.trend_sources import TrendSourcesResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir
from marketing_engine.trends.readings import FetchRequest
from marketing_engine.trends.snapshot import collect_snapshot
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import (
    ContentCluster,
    Keyword,
    TrendData,
    TrendOpportunity,
    TrendSignal,
    TrendSourceStatus,
)

if TYPE_CHECKING:  # the analysis modules load numpy: imported in the asset bodies that use them
    from marketing_engine.trends.opportunities import TopicSignalRow

GROUP = "trends"
SIGNAL_DAYS = 120


RELATED_KEYWORDS = 20  # the brand's top keywords (by volume) the replay watches beside its topics


def _related_topics(profile, warehouse: WarehouseResource, slug: str) -> tuple[str, ...]:
    """The brand's products, then its top keywords that are about one of its own topics or products
    (a keyword about a competitor, "alternatives to X", is not one of the brand's own trend topics)."""
    from marketing_engine.brand import slug as slugify

    own = [slugify(text) for text in (*profile.seed_topics, *(product.name for product in profile.products))]
    with warehouse.get().session() as session:
        keywords = session.scalars(
            select(Keyword.text)
            .where(Keyword.brand == slug)
            .order_by(Keyword.volume.desc().nulls_last(), Keyword.text)
            .limit(RELATED_KEYWORDS * 10)
        ).all()
    about_own = [keyword for keyword in keywords if any(mine in slugify(keyword) for mine in own)]
    return tuple(
        dict.fromkeys([*(product.name for product in profile.products), *about_own[:RELATED_KEYWORDS]])
    )


def _fetch_request(profile, day: date, related: tuple[str, ...] = ()) -> FetchRequest:
    reddit = profile.channels.get("reddit")
    return FetchRequest(
        day=day,
        topics=tuple(profile.seed_topics),
        regions=tuple(profile.trends.regions),
        communities=tuple(reddit.communities) if reddit else (),
        feeds=tuple(profile.trends.feeds),
        related=related,
        language=profile.language,
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    freshness_policy=TREND_SNAPSHOTS_FRESHNESS,
    **calls("trend_sources"),
    description="One normalized reading per (day, source, topic) from every trend source, upserted "
    "into trend_data; which sources answered is recorded in trend_source_status.",
)
def trend_snapshots(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    trend_sources: TrendSourcesResource,
) -> MaterializeResult:
    profile = brand.load()
    slug = profile.slug
    sources = trend_sources.sources()
    days = [date.fromisoformat(key) for key in context.partition_keys]
    related = _related_topics(profile, warehouse, slug)
    written, answered, statuses, preview = 0, set(), [], []
    for day in days:
        outcomes = collect_snapshot(sources, _fetch_request(profile, day, related))
        rows, status_rows = [], []
        for outcome in outcomes:
            payload_key = None
            if outcome.readings:
                stored = media_store.put_bytes(
                    json.dumps(outcome.payload(), sort_keys=True, default=str).encode(), suffix=".json"
                )
                payload_key = stored.key
                rows += [{**r.row(), "brand": slug, "payload_key": payload_key} for r in outcome.readings]
                answered.add(outcome.source)
            status_rows.append(
                {
                    "brand": slug,
                    "day": day,
                    "source": outcome.source,
                    "status": outcome.status,
                    "readings": len(outcome.readings),
                    "error": outcome.error,
                    "payload_key": payload_key,
                }
            )
            if outcome.status == "failed":
                context.log.warning(f"trend source {outcome.source} failed for {day}: {outcome.error}")
        if not any(o.status == "answered" for o in outcomes):
            raise Failure(
                f"no trend source answered for {day}: "
                + "; ".join(f"{o.source}: {o.error}" for o in outcomes)
            )
        with warehouse.get().session() as session:
            written += upsert(session, TrendData, rows, keys=["brand", "day", "source", "topic"])
            upsert(session, TrendSourceStatus, status_rows, keys=["brand", "day", "source"])
        statuses += status_rows
        preview = rows
    return MaterializeResult(
        metadata={
            "days": len(days),
            "readings": written,
            "topics": len(profile.seed_topics),
            "related_topics": len(related),
            "sources_answered": MetadataValue.text(", ".join(sorted(answered)) or "none"),
            "source_status": markdown_table(
                statuses[-len(sources) :], ["day", "source", "status", "readings", "error"]
            ),
            "preview": markdown_table(
                sorted(preview, key=lambda r: -r["interest"]),
                ["day", "source", "topic", "interest", "volume", "velocity"],
            ),
        }
    )


def _stored_readings(warehouse: WarehouseResource, slug: str, days: int) -> tuple[date, list[dict]]:
    with warehouse.get().session() as session:
        as_of = session.scalar(
            select(TrendData.day).where(TrendData.brand == slug).order_by(TrendData.day.desc())
        )
        if as_of is None:
            raise Failure("trend_signals: no trend snapshots stored yet; materialize trend_snapshots first")
        query = select(TrendData.day, TrendData.source, TrendData.topic, TrendData.interest).where(
            TrendData.brand == slug, TrendData.day > as_of - timedelta(days=days)
        )
        return as_of, [row._asdict() for row in session.execute(query)]


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=[trend_snapshots],
    automation_condition=after_upstream(),
    description="Per topic on the newest snapshot day: count-aware spike score (each source with the "
    "model its values call for), spike or breakout date, lifecycle stage, how many sources agree, viral "
    "coefficient and a 14-day forecast (TSB for intermittent series) with 80 % intervals and a peak date.",
)
def trend_signals(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from marketing_engine.trends.analysis import topic_signal_rows

    started = time.perf_counter()
    profile = brand.load()
    slug = profile.slug
    as_of, readings = _stored_readings(warehouse, slug, SIGNAL_DAYS)
    try:
        rows = topic_signal_rows(readings, as_of, profile.trends.spike_threshold, days=SIGNAL_DAYS)
    except ValueError as exc:
        raise Failure(f"trend_signals: {exc}") from None
    with warehouse.get().session() as session:
        upsert(session, TrendSignal, [{**r, "brand": slug} for r in rows], keys=["brand", "day", "topic"])
        for row in rows:  # the stage also lands on the day's readings, for anyone reading trend_data
            session.query(TrendData).filter_by(brand=slug, day=as_of, topic=row["topic"]).update(
                {"lifecycle": row["lifecycle"]}
            )
    spiking = [r for r in rows if r["spike_date"] is not None and r["lifecycle"] != "breakout"]
    breakouts = [r for r in rows if r["lifecycle"] == "breakout"]
    stages = {
        stage: sum(r["lifecycle"] == stage for r in rows) for stage in sorted({r["lifecycle"] for r in rows})
    }
    return MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "topics": len(rows),
            "spiking": len(spiking),
            "breakouts": len(breakouts),
            "lifecycle": MetadataValue.json(stages),
            "seconds": round(time.perf_counter() - started, 3),
            "preview": markdown_table(
                sorted(rows, key=lambda r: -(r["spike_score"] or -99)),
                [
                    "topic",
                    "spike_score",
                    "confirmed_score",
                    "spike_date",
                    "confirmations",
                    "lifecycle",
                    "viral_coefficient",
                    "peak_date",
                ],
            ),
        }
    )


def _signal_row(signal: TrendSignal) -> "TopicSignalRow":
    from marketing_engine.trends.opportunities import TopicSignalRow

    return TopicSignalRow(
        topic=signal.topic,
        spike_score=signal.spike_score,
        confirmed_score=signal.confirmed_score,
        spike_date=signal.spike_date,
        lifecycle=signal.lifecycle,
        confirmations=signal.confirmations,
        sources=signal.sources,
        viral_coefficient=signal.viral_coefficient,
        peak_date=signal.peak_date,
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    deps=[trend_signals],
    automation_condition=after_upstream(),
    description="Spiking or emerging topics matched to the brand's seed topics and keyword clusters, "
    "ranked, with the reason in words. Downstream reads rank 1 of the newest as_of day.",
)
def trend_opportunities(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource
) -> MaterializeResult:
    from marketing_engine.trends.opportunities import rank_opportunities

    profile = brand.load()
    slug = profile.slug
    with warehouse.get().session() as session:
        as_of = session.scalar(
            select(TrendSignal.day).where(TrendSignal.brand == slug).order_by(TrendSignal.day.desc())
        )
        if as_of is None:
            raise Failure("trend_opportunities: no trend signals stored yet; materialize trend_signals first")
        signals = [
            _signal_row(s) for s in session.scalars(select(TrendSignal).filter_by(brand=slug, day=as_of))
        ]
        clusters = [c.name for c in session.scalars(select(ContentCluster).filter_by(brand=slug))]
    seeds = list(dict.fromkeys([*profile.seed_topics, *clusters]))
    ranked = rank_opportunities(signals, seeds, profile.trends.spike_threshold)
    rows = [
        {
            "brand": slug,
            "as_of": as_of,
            "topic": o.topic,
            "topic_key": o.topic_key,
            "rank": o.rank,
            "score": o.score,
            "relevance": o.relevance,
            "matched_seed": o.matched_seed,
            "spike_score": o.signal.confirmed_score,
            "spike_date": o.signal.spike_date,
            "lifecycle": o.signal.lifecycle,
            "confirmations": o.signal.confirmations,
            "reason": o.reason,
        }
        for o in ranked
    ]
    with warehouse.get().session() as session:  # the day's ranking is replaced as a whole
        session.execute(
            delete(TrendOpportunity).where(TrendOpportunity.brand == slug, TrendOpportunity.as_of == as_of)
        )
        upsert(session, TrendOpportunity, rows, keys=["brand", "as_of", "topic"])
    over = [
        r for r in rows if r["spike_score"] is not None and r["spike_score"] >= profile.trends.spike_threshold
    ]
    return MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "opportunities": len(rows),
            "over_threshold": len(over),
            "threshold": profile.trends.spike_threshold,
            "matched_against": len(seeds),
            "top_topic": MetadataValue.text(rows[0]["topic"] if rows else "none"),
            "preview": markdown_table(
                rows, ["rank", "topic", "score", "relevance", "lifecycle", "spike_date", "reason"]
            ),
        }
    )


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE, "markdown"},
    code_version="1",
    partitions_def=topics_partitions,
    deps=[trend_opportunities],
    description="A one-page brief per trending topic (markdown in the media store and under briefs/), "
    "the start of every piece of content made for the topic.",
)
def topic_brief(
    context: AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    from marketing_engine.trends.opportunities import compose_brief

    profile = brand.load()
    slug = profile.slug
    key = context.partition_key
    with warehouse.get().session() as session:
        found = session.scalars(
            select(TrendOpportunity)
            .filter_by(brand=slug, topic_key=key)
            .order_by(TrendOpportunity.as_of.desc())
        ).first()
        if found is None:
            raise Failure(f"topic_brief: topic {key!r} has no row in trend_opportunities")
        opportunity = {c.name: getattr(found, c.name) for c in TrendOpportunity.__table__.columns}
        payload_keys = dict(
            session.execute(
                select(TrendSourceStatus.source, TrendSourceStatus.payload_key).filter_by(
                    brand=slug, day=found.as_of
                )
            ).all()
        )
    raw = {
        source: json.loads(media_store.get_bytes(key)).get(found.topic, {})
        for source, key in payload_keys.items()
        if key and source in ("news", "google_trends", "reddit")
    }
    text = compose_brief(
        opportunity,
        profile.name,
        headlines=raw.get("news", {}).get("headlines", []),
        rising=raw.get("google_trends", {}).get("rising", []),
        posts=raw.get("reddit", {}).get("posts", []),
    )
    stored = media_store.put_bytes(text.encode(), suffix=".md")
    path = home_dir("briefs") / f"{key}.md"
    write_text(path, text)
    with warehouse.get().session() as session:
        session.query(TrendOpportunity).filter_by(id=found.id).update({"brief_key": stored.key})
    return MaterializeResult(
        metadata={
            "topic": found.topic,
            "rank": found.rank,
            "brief_key": stored.key,
            "path": MetadataValue.path(str(path)),
            "preview": MetadataValue.md(text),
        }
    )
