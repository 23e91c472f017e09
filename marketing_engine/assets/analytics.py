"""The analytics group: measure what was published, credit it, compare it, learn, and report.

touchpoints / content_metrics (daily) ─► attribution_tables ─► experiments ─► performance_forecasts
                                                                  └──────► campaign_memory ─► marketing_report

Wiring only: the models live in `marketing_engine.analytics`, the queries and upserts in its store.
"""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from marketing_engine.assets.automation import REPORT_FRESHNESS, WAREHOUSE, after_upstream, calls, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.assets.partitions import daily_partitions
from marketing_engine.brand import PLATFORMS
from marketing_engine.files import write_text
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.resources.warehouse import WarehouseResource

GROUP = "analytics"
# The publishing group's per-platform assets whose posts are measured (their keys, as lineage).
PUBLISHED_POSTS = [f"published_posts_{p}" for p in PLATFORMS if p != "wordpress"]


def _analytics_asset(kinds: frozenset[str] = frozenset({"python", WAREHOUSE}), **spec: Any):
    """`@asset` in the analytics group, with its owners and code version 1."""
    return dg.asset(group_name=GROUP, owners=owners(GROUP), code_version="1", kinds=set(kinds), **spec)


def _timed(step: Callable[..., Any], brand: BrandResource, warehouse: WarehouseResource) -> tuple[Any, float]:
    """Run one step of the learning loop for the brand; its result and how many seconds it took. A step
    whose inputs were never measured returns its AnalyticsInputError: the asset then says "no data"."""
    from marketing_engine.analytics.loop import AnalyticsInputError

    started = time.perf_counter()
    try:
        result = step(warehouse.get(), brand.slug, brand.load())
    except AnalyticsInputError as exc:
        result = exc
    return result, round(time.perf_counter() - started, 2)


def _no_data(missing: Exception) -> dg.MaterializeResult:
    """A model with nothing measured to compute on says so, and writes nothing (no made-up figure)."""
    return dg.MaterializeResult(metadata={"status": "no data", "why": dg.MetadataValue.text(str(missing))})


@_analytics_asset(
    partitions_def=daily_partitions,
    deps=["campaigns"],
    **calls("metrics"),
    description="Customer journeys that ended on the day (touches in order, conversion, revenue), from "
    "the metrics provider; the simulator's causal truth is in the metadata.",
)
def touchpoints(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    metrics: MetricsResource,
) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import measure_journeys

    started = time.perf_counter()
    request = MetricsRequest.for_brand(brand.load(), date.fromisoformat(context.partition_key))
    rows, metric_rows = measure_journeys(warehouse.get(), metrics.client(), request)
    return dg.MaterializeResult(
        metadata={
            **metrics.sources().metadata(),
            "journeys": len(rows),
            "touches": sum(len(r["channels"]) for r in rows),
            "conversions": sum(r["converted"] for r in rows),
            "revenue": round(sum(r["revenue"] for r in rows), 2),
            "backend": metrics.backend,
            "preview": markdown_table(metric_rows, ["platform", "metric", "value"], limit=12),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )


@_analytics_asset(
    partitions_def=daily_partitions,
    deps=["content_calendar", *PUBLISHED_POSTS],
    **calls("metrics"),
    description="Impressions, engagements and clicks of the day's published posts (plus the simulator's "
    "exploration posts offline), with each post's hook, hour and topic.",
)
def content_metrics(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    metrics: MetricsResource,
) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import measure_posts

    profile = brand.load()
    day = date.fromisoformat(context.partition_key)
    request = MetricsRequest.for_brand(profile, day, channels=list(profile.enabled_channels))
    measured = measure_posts(warehouse.get(), metrics.client(), request, context.run_id)
    rows = measured.rows
    return dg.MaterializeResult(
        metadata={
            **metrics.sources().metadata(),
            "posts": len(rows),
            "published_posts": len(measured.published),
            "page_metrics": len(measured.page_metrics),
            "campaign_stages": dg.MetadataValue.json(measured.stages),
            "impressions": sum(r["impressions"] for r in rows),
            "engagements": sum(r["engagements"] for r in rows),
            "preview": markdown_table(rows, ["content_ref", "platform", "hook", "hour", "engagement_rate"]),
        }
    )


@_analytics_asset(
    deps=[touchpoints, "imported_journeys"],
    automation_condition=after_upstream(),
    description="Credit for conversions and revenue per channel and campaign under every model: first, "
    "last, linear, time decay, position based, Markov orders 1–3 (exact) and data-driven Shapley.",
)
def attribution_tables(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import attribute

    result, seconds = _timed(attribute, brand, warehouse)
    if isinstance(result, Exception):
        return _no_data(result)
    return dg.MaterializeResult(
        metadata={
            "journeys": result.journeys,
            "conversions": result.conversions,
            "revenue": round(result.revenue, 2),
            "models": dg.MetadataValue.text(", ".join(result.shares)),
            "rows": result.rows,
            "retargeting_share_shapley": round(result.shares["shapley"].get("retargeting", 0.0), 4),
            "retargeting_share_markov_1": round(result.shares["markov_1"].get("retargeting", 0.0), 4),
            "preview": markdown_table(result.preview, ["channel", *result.shares], limit=12),
            "seconds": seconds,
        }
    )


@dg.asset_check(
    asset=attribution_tables,
    description="Every model hands out exactly the conversions and revenue recorded: none lost, none invented.",
)
def attribution_credits_every_conversion(
    brand: BrandResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    from marketing_engine.analytics.loop import credit_balance
    from marketing_engine.analytics.store import journey_count

    if not journey_count(warehouse.get(), brand.slug):  # no data: nothing credited, nothing to check
        return dg.AssetCheckResult(passed=True, metadata={"status": "no data", "models": 0})
    balance = credit_balance(warehouse.get(), brand.slug)
    worst = max((abs(gap) for gap in balance.values()), default=1.0)
    return dg.AssetCheckResult(
        passed=bool(balance) and bool(worst < 1e-6),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"models": len(balance), "worst_relative_gap": float(worst)},
    )


@_analytics_asset(
    deps=[content_metrics, attribution_tables, "programmatic_pages", "rendered_videos"],
    automation_condition=after_upstream(only=["content_metrics", "attribution_tables"]),
    description="Experiments read from measured rows only (docs/experiments.md): each platform's hook "
    "test over the posts assigned an arm, and the page-title split test over Search Console rows — "
    "Bayesian chance to win, always-valid sequential test, stop rules — and Thompson-sampling "
    "allocations of hooks and posting hours per platform for the calendar.",
)
def experiments(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import run_experiments

    result, seconds = _timed(run_experiments, brand, warehouse)
    if isinstance(result, Exception):
        return _no_data(result)
    return dg.MaterializeResult(
        metadata={
            "experiments": len(result.experiments) or "no data",  # read from measured rows only
            "waiting_for_data": dg.MetadataValue.text(", ".join(result.waiting) or "none"),
            "measured_units_by_source": dg.MetadataValue.json(result.sources),
            "allocations": len(result.allocations),
            "experiments_preview": markdown_table(
                result.experiments, ["experiment", "chance_to_win", "lift", "expected_loss", "decision"]
            ),
            "allocations_preview": markdown_table(
                sorted(result.allocations, key=lambda r: -r["share"]),
                ["platform", "dimension", "arm", "share"],
            ),
            "seconds": seconds,
        }
    )


@_analytics_asset(
    deps=[content_metrics, attribution_tables, "ad_spend"],
    automation_condition=after_upstream(),
    description="Gradient-boosting predictors of a post's engagement rate and a campaign's revenue, with "
    "cross-validated error against a naive baseline, and their forecasts with 80% intervals.",
)
def performance_forecasts(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import forecast

    result, seconds = _timed(forecast, brand, warehouse)
    if isinstance(result, Exception):
        return _no_data(result)
    metadata = {"forecasts": len(result.rows), "ad_spend": result.spend, "seconds": seconds}
    for score in result.scores:
        metadata.update(score.figures())
    metadata["preview"] = markdown_table(result.rows, ["kind", "subject", "predicted", "low", "high"])
    return dg.MaterializeResult(metadata=metadata)


@_analytics_asset(
    deps=[experiments, performance_forecasts, attribution_tables],
    automation_condition=after_upstream(),
    description="What the engine has learned, in sentences with effects, intervals and evidence counts; "
    "read by the script and page writers and the calendar.",
)
def campaign_memory(brand: BrandResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import remember

    findings = remember(warehouse.get(), brand.slug)
    preview = markdown_table([f.__dict__ for f in findings], ["platform", "dimension", "finding"], 12)
    status = {"status": "no data"} if not findings else {}
    return dg.MaterializeResult(metadata={**status, "findings": len(findings), "preview": preview})


@_analytics_asset(
    kinds=frozenset({"python", "html", "plotly"}),
    deps=[campaign_memory, "trend_opportunities", "published_pages", "rendered_videos"],
    automation_condition=after_upstream(only=["campaign_memory"]),  # the daily metrics' chain
    freshness_policy=REPORT_FRESHNESS,
    description="The marketing report: one standalone HTML file with charts (attribution by model, "
    "experiment posteriors, forecasts, posting-time heatmap, trends, pages and videos).",
)
def marketing_report(
    context: dg.AssetExecutionContext,
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> dg.MaterializeResult:
    from marketing_engine.analytics.loop import build_report
    from marketing_engine.analytics.screenshot import register_report
    from marketing_engine.llm_ledger import ledger_at
    from marketing_engine.provenance import not_configured_by_asset
    from marketing_engine.settings import home_dir

    profile = brand.load()
    not_configured = not_configured_by_asset(context.instance)
    html, sections = build_report(
        warehouse.get(),
        brand.slug,
        profile.name,
        datetime.now(UTC),
        profile.money,
        ledger_at(dg.EnvVar("REDIS_URL").get_value() or None),  # where llm_from_env's resource counts
        not_configured=not_configured,
    )
    path = home_dir("reports") / f"{brand.slug}-marketing-report.html"
    write_text(path, html)
    stored = media_store.put_file(path, "text/html")
    register_report(warehouse.get(), brand.slug, stored, context.run_id)  # the desk finds it on any machine
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(path)),
            "media_key": stored.key,
            "uri": dg.MetadataValue.url(stored.uri)
            if stored.uri.startswith(("http", "file"))
            else stored.uri,
            "sha256": stored.sha256,
            "size_kb": round(stored.size / 1024, 1),
            "charts": dg.MetadataValue.text(", ".join(sections)),
            "not_configured": sorted({name for names in not_configured.values() for name in names}),
        }
    )
