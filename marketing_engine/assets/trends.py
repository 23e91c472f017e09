"""The trends group: daily snapshots from every source, topic signals, brand opportunities, briefs.

Wiring only: the rules are in `marketing_engine.trends`, the queries and upserts in `trends.store`.
"""

import json
import time
from datetime import date
from typing import Any

import dagster as dg

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
from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.trend_sources import TrendSourcesResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir
from marketing_engine.trends import store as trend_store
from marketing_engine.trends.snapshot import (
    RELATED_KEYWORDS,
    NoSourceAnswered,
    collect_snapshot,
    fetch_request,
    related_topics,
    snapshot_rows,
)

GROUP = "trends"
SIGNAL_DAYS = 120
SIGNAL_PREVIEW = (
    "topic spike_score confirmed_score spike_date confirmations lifecycle viral_coefficient peak_date"
)


def _trends_asset(kinds: frozenset[str] = frozenset({"python", WAREHOUSE}), **spec: Any):
    """`@asset` in the trends group, with its owners and code version 1."""
    return dg.asset(group_name=GROUP, owners=owners(GROUP), code_version="1", kinds=set(kinds), **spec)


def _sources(resource: TrendSourcesResource, sources: dict) -> SourceReport:
    """Each trend platform by origin: the replay's (simulator), a live client's, or not configured."""
    origin = SIMULATOR if resource.backend == "replay" else "measured"
    report = SourceReport()
    for name, client in sources.items():
        report.add(NOT_CONFIGURED if client is None else origin, name)
    return report


@_trends_asset(
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    freshness_policy=TREND_SNAPSHOTS_FRESHNESS,
    **calls("trend_sources"),
    description="One normalized reading per (day, source, topic) from every trend source, upserted "
    "into trend_data; which sources answered is recorded in trend_source_status.",
)
def trend_snapshots(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
    trend_sources: TrendSourcesResource,
) -> dg.MaterializeResult:
    profile, store = brand.load(), warehouse.get()
    sources = trend_sources.sources()
    days = [date.fromisoformat(key) for key in context.partition_keys]
    keywords = trend_store.keywords_by_volume(store, profile.slug, RELATED_KEYWORDS * 10)
    related = related_topics(profile, keywords)
    written, answered, statuses, preview = 0, set(), [], []
    for day in days:
        outcomes = collect_snapshot(sources, fetch_request(profile, day, related))
        for failed in (o for o in outcomes if o.status == "failed"):
            context.log.warning(f"trend source {failed.source} failed for {day}: {failed.error}")
        try:
            rows, status_rows = snapshot_rows(
                profile.slug, day, outcomes, lambda raw: media_store.put_bytes(raw, suffix=".json").key
            )
        except NoSourceAnswered as exc:
            raise dg.Failure(str(exc)) from None
        written += trend_store.save_snapshot(store, rows, status_rows)
        answered |= {status["source"] for status in status_rows if status["readings"]}
        statuses += status_rows
        preview = rows
    return dg.MaterializeResult(
        metadata={
            "days": len(days),
            "readings": written,
            "topics": len(profile.seed_topics),
            "related_topics": len(related),
            "sources_answered": dg.MetadataValue.text(", ".join(sorted(answered)) or "none"),
            **_sources(trend_sources, sources).metadata(),
            "source_status": markdown_table(
                statuses[-len(sources) :], ["day", "source", "status", "readings", "error"]
            ),
            "preview": markdown_table(
                sorted(preview, key=lambda r: -r["interest"]),
                ["day", "source", "topic", "interest", "volume", "velocity"],
            ),
        }
    )


@_trends_asset(
    deps=[trend_snapshots],
    automation_condition=after_upstream(),
    description="Per topic on the newest snapshot day: count-aware spike score (each source with the "
    "model its values call for), spike or breakout date, lifecycle stage, how many sources agree, viral "
    "coefficient and a 14-day forecast (TSB for intermittent series) with 80 % intervals and a peak date.",
)
def trend_signals(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.trends.analysis import signal_summary, topic_signal_rows

    started = time.perf_counter()
    profile, store = brand.load(), warehouse.get()
    as_of, readings = trend_store.recent_readings(store, profile.slug, SIGNAL_DAYS)
    if as_of is None:
        raise dg.Failure("trend_signals: no trend snapshots stored yet; materialize trend_snapshots first")
    try:
        rows = topic_signal_rows(readings, as_of, profile.trends.spike_threshold, days=SIGNAL_DAYS)
    except ValueError as exc:
        raise dg.Failure(f"trend_signals: {exc}") from None
    trend_store.save_signals(store, profile.slug, as_of, rows)
    summary = signal_summary(rows)
    return dg.MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "topics": len(rows),
            "spiking": summary["spiking"],
            "breakouts": summary["breakouts"],
            "lifecycle": dg.MetadataValue.json(summary["lifecycle"]),
            "seconds": round(time.perf_counter() - started, 3),
            "preview": markdown_table(
                sorted(rows, key=lambda r: -(r["spike_score"] or -99)), SIGNAL_PREVIEW.split()
            ),
        }
    )


@_trends_asset(
    deps=[trend_signals],
    automation_condition=after_upstream(),
    description="Spiking or emerging topics matched to the brand's seed topics and keyword clusters, "
    "ranked, with the reason in words. Downstream reads rank 1 of the newest as_of day.",
)
def trend_opportunities(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.trends.opportunities import rank_opportunities

    profile, store = brand.load(), warehouse.get()
    threshold = profile.trends.spike_threshold
    as_of, signals = trend_store.newest_signals(store, profile.slug)
    if as_of is None:
        raise dg.Failure("trend_opportunities: no trend signals stored yet; materialize trend_signals first")
    seeds = list(dict.fromkeys([*profile.seed_topics, *trend_store.cluster_names(store, profile.slug)]))
    rows = [o.row(profile.slug, as_of) for o in rank_opportunities(signals, seeds, threshold)]
    trend_store.replace_opportunities(store, profile.slug, as_of, rows)
    over = [r for r in rows if r["spike_score"] is not None and r["spike_score"] >= threshold]
    return dg.MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "opportunities": len(rows),
            "over_threshold": len(over),
            "threshold": threshold,
            "matched_against": len(seeds),
            "top_topic": dg.MetadataValue.text(rows[0]["topic"] if rows else "none"),
            "preview": markdown_table(
                rows, ["rank", "topic", "score", "relevance", "lifecycle", "spike_date", "reason"]
            ),
        }
    )


@_trends_asset(
    kinds=frozenset({"python", WAREHOUSE, "markdown"}),
    partitions_def=topics_partitions,
    deps=[trend_opportunities],
    description="A one-page brief per trending topic (markdown in the media store and under briefs/), "
    "the start of every piece of content made for the topic.",
)
def topic_brief(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> dg.MaterializeResult:
    from marketing_engine.trends.opportunities import BRIEF_SOURCES, brief_material, compose_brief

    profile, store = brand.load(), warehouse.get()
    key = context.partition_key
    found = trend_store.newest_opportunity(store, profile.slug, key)
    if found is None:
        raise dg.Failure(f"topic_brief: topic {key!r} has no row in trend_opportunities")
    payloads = trend_store.payload_keys(store, profile.slug, found["as_of"], BRIEF_SOURCES)
    raw = {
        source: json.loads(media_store.get_bytes(k)).get(found["topic"], {}) for source, k in payloads.items()
    }
    text = compose_brief(found, profile.name, **brief_material(raw))
    stored = media_store.put_bytes(text.encode(), suffix=".md")
    path = home_dir("briefs") / f"{key}.md"
    write_text(path, text)
    trend_store.set_brief_key(store, found["id"], stored.key)
    return dg.MaterializeResult(
        metadata={
            "topic": found["topic"],
            "rank": found["rank"],
            "brief_key": stored.key,
            "path": dg.MetadataValue.path(str(path)),
            "preview": dg.MetadataValue.md(text),
        }
    )
