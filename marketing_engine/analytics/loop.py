"""The learning loop over the warehouse: measure, attribute, experiment, forecast, remember, report.

Each function reads what the daily assets stored, calls the plain models in this package and
writes its results back with natural-key upserts, so re-running any step never duplicates rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from marketing_engine.analytics import memory
from marketing_engine.analytics import store as analytics_store
from marketing_engine.analytics.attribution import BASELINE, all_models
from marketing_engine.analytics.bandits import ThompsonSampling
from marketing_engine.analytics.simulator import DIRECT, HOOKS, journeys_from_records, select_journeys
from marketing_engine.analytics.touchpoints import (
    channel_metric_rows,
    channel_total_rows,
    journey_rows,
    page_metric_rows,
    performance_rows,
    post_features,
    post_metric_rows,
)
from marketing_engine.brand import slug
from marketing_engine.llm_ledger import GenerationLedger, ledger_at, totals
from marketing_engine.seo import store as seo_store
from marketing_engine.seo.indexing import index_summary
from marketing_engine.trends import store as trend_store
from marketing_engine.visibility import store as visibility_store
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import (
    AttributionCredit,
    BanditAllocation,
    Base,
    CampaignMemory,
    ContentPerformance,
    ExperimentResult,
    PerformanceForecast,
)

REPORT_DAYS = 30  # the report's period for text generation: the last 30 UTC days, today included


class AnalyticsInputError(RuntimeError):
    """An analytics step ran before the data it needs was measured."""


def _frame(warehouse: Warehouse, model: type[Base], brand: str) -> pd.DataFrame:
    return pd.DataFrame(analytics_store.brand_rows(warehouse, model, brand))


def _journey_records(warehouse: Warehouse, brand: str) -> list[dict]:
    rows = analytics_store.journey_records(warehouse, brand)
    if not rows:
        raise AnalyticsInputError(
            f"no customer journeys for brand {brand!r}: materialize `touchpoints` first (live providers "
            "report aggregates only: load a journey export into customer_journeys)"
        )
    return rows


def published_posts_on(warehouse: Warehouse, brand: str, day: date, topics: list[str]) -> list[dict]:
    """Posts published on `day` as learner features (platform, hook, hour, weekday, topic, length);
    a post's hook is the arm it was assigned (`analytics.assignments`)."""
    from marketing_engine.analytics.assignments import post_arms

    posts = analytics_store.published_posts(warehouse, brand, day)
    return post_features(posts, topics, post_arms(warehouse, brand))


def measure_journeys(warehouse: Warehouse, provider, request) -> tuple[list[dict], list[dict]]:
    """Store the customer journeys that ended on `request.day` and their per-channel metrics (with
    the provider's channel totals where it reports them, as GA4 does); returns both kinds of row.
    `provider` is a metrics backend, `request` its `MetricsRequest`."""
    journeys = provider.journeys(request)
    rows = journey_rows(journeys, request.brand, request.day)
    metrics = channel_metric_rows(journeys, request.brand, request.day)
    if hasattr(provider, "channel_totals"):
        metrics += channel_total_rows(provider.channel_totals(request.day), request.brand, request.day)
    analytics_store.save_journeys(warehouse, rows, metrics)
    _raise_failures(provider)
    return rows, metrics


def _raise_failures(provider) -> None:
    """The providers of a live backend that failed, once what the others answered is stored."""
    if hasattr(provider, "raise_failures"):
        provider.raise_failures()


@dataclass
class PostMeasures:
    published: list[dict]  # the day's published posts, as learner features
    rows: list[dict]  # their performance (plus the simulator's exploration posts offline)
    page_metrics: list[dict]  # Search Console's page rows, where the provider reports them
    stages: dict[str, int]  # campaigns per workflow stage once the day is measured


def measure_posts(warehouse: Warehouse, provider, request, run_id: str | None) -> PostMeasures:
    """Store the performance of the posts published on `request.day`, and move the brand's
    campaigns on to the stage their measured posts put them in."""
    published = published_posts_on(warehouse, request.brand, request.day, request.topics)
    rows = performance_rows(provider.post_metrics(request, published), request.brand, request.day)
    from marketing_engine.seo.split_test import page_rows

    pages = page_metric_rows(page_rows(provider, warehouse, request), request.brand, request.day)
    stages = analytics_store.save_post_performance(
        warehouse, request.brand, rows, post_metric_rows(rows) + pages, run_id
    )
    _raise_failures(provider)
    return PostMeasures(published, rows, pages, stages)


@dataclass
class AttributionOutcome:
    journeys: int
    conversions: int
    revenue: float
    shares: dict[str, dict[str, float]]
    rows: int
    preview: list[dict]


def attribute(warehouse: Warehouse, brand: str, profile) -> AttributionOutcome:
    records = _journey_records(warehouse, brand)
    products = [p.name for p in profile.products]
    journeys = journeys_from_records(records, products)
    rows, shares = [], {}
    campaigns = [("all", np.ones(journeys.n_journeys, dtype=bool))] + [
        (slug(name), journeys.product == i) for i, name in enumerate(products)
    ]
    for campaign, keep in campaigns:
        if keep.sum() < 50 or not journeys.converted[keep].any():
            continue
        for model in all_models(select_journeys(journeys, keep)):
            model_shares = model.shares(exclude=())
            if campaign == "all":
                shares[model.model] = model.shares()
            for channel, value in model.conversions.items():
                rows.append(
                    {
                        "brand": brand,
                        "model": model.model,
                        "campaign": campaign,
                        "channel": channel,
                        "conversions": round(value, 4),
                        "revenue": round(model.revenue.get(channel, 0.0), 2),
                        "share": round(model_shares.get(channel, 0.0), 6),
                    }
                )
    analytics_store.save_attribution(warehouse, rows)
    channels = [c for c in journeys.channels if c not in (DIRECT, BASELINE)]
    preview = [{"channel": c, **{m: f"{s.get(c, 0.0):.1%}" for m, s in shares.items()}} for c in channels]
    return AttributionOutcome(
        journeys.n_journeys,
        int(journeys.converted.sum()),
        float(journeys.revenue.sum()),
        shares,
        len(rows),
        preview,
    )


def credit_balance(warehouse: Warehouse, brand: str) -> dict[str, float]:
    """Per model: relative gap between the conversions + revenue it credits and those recorded."""
    credit = _frame(warehouse, AttributionCredit, brand)
    if credit.empty:
        return {}
    records = pd.DataFrame(_journey_records(warehouse, brand))
    conversions, revenue = float(records["converted"].sum()), float(records["revenue"].sum())
    everyone = credit[credit["campaign"] == "all"].groupby("model")
    sums, rows = everyone[["conversions", "revenue"]].sum(), everyone.size()
    # Stored credit is rounded (conversions to 4 decimals, revenue to 2): that much gap is not a loss.
    return {
        model: max(
            max(abs(row.conversions - conversions) - 5e-5 * rows[model], 0.0) / conversions,
            max(abs(row.revenue - revenue) - 5e-3 * rows[model], 0.0) / revenue,
        )
        for model, row in sums.iterrows()
    }


@dataclass
class ExperimentOutcome:
    experiments: list[dict] = field(default_factory=list)
    allocations: list[dict] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # assigned but nothing measured yet: no data
    sources: dict[str, int] = field(default_factory=dict)  # measured units per source


def run_experiments(warehouse: Warehouse, brand: str, profile) -> ExperimentOutcome:
    """Every experiment read from measured rows: the hook tests of published posts
    (`analytics.assignments`) and the page-title split test (`seo.split_test`); no assignment, no
    result. The hook bandit learns from the assigned posts, the posting-time bandit from every post."""
    from marketing_engine.analytics.assignments import read_hook_tests
    from marketing_engine.seo.split_test import read_title_test

    hooks, titles = read_hook_tests(warehouse, brand), read_title_test(warehouse, brand)
    outcome = ExperimentOutcome(
        hooks.results + titles.results,
        hooks.allocations + titles.allocations,
        hooks.waiting + titles.waiting,
        {k: hooks.sources.get(k, 0) + titles.sources.get(k, 0) for k in {**hooks.sources, **titles.sources}},
    )
    times = bandit_allocations(_frame(warehouse, ContentPerformance, brand), brand)
    outcome.allocations += [row for row in times if row["dimension"] == "posting_time"]
    analytics_store.save_experiments(warehouse, outcome.experiments, outcome.allocations)
    return outcome


def posting_window(hour: int) -> str:
    """The 3-hour posting window an hour falls in, e.g. 19 → "18:00-21:00" (a bandit arm)."""
    start = (int(hour) // 3) * 3
    return f"{start:02d}:00-{start + 3:02d}:00"


def bandit_allocations(posts: pd.DataFrame, brand: str, seed: int = 0) -> list[dict]:
    """Thompson sampling per platform over hooks and 3-hour posting windows; a post is a success when its
    engagement rate beats its platform's median."""
    if posts.empty:
        return []
    rows = []
    for platform, group in posts.groupby("platform"):
        wins = (group["engagement_rate"] > group["engagement_rate"].median()).astype(float).to_numpy()
        for dimension, arms_of in (
            ("hook", group["hook"]),
            ("posting_time", group["hour"].map(posting_window)),
        ):
            arms = list(HOOKS) if dimension == "hook" else sorted(arms_of.unique())
            bandit = ThompsonSampling(arms, seed=seed)
            for arm, win in zip(arms_of, wins):
                bandit.update(arm, win)
            for arm, share in bandit.allocation().items():
                i = arms.index(arm)
                rows.append(
                    {
                        "brand": brand,
                        "platform": platform,
                        "dimension": dimension,
                        "arm": arm,
                        "share": round(share, 4),
                        "successes": float(bandit.successes[i]),
                        "failures": float(bandit.failures[i]),
                    }
                )
    return rows


@dataclass
class ForecastOutcome:
    rows: list[dict]
    scores: list
    spend: str = ""  # what the ROI predictor learned from, or why it made no forecast


def forecast(warehouse: Warehouse, brand: str, profile) -> ForecastOutcome:
    from marketing_engine.analytics.forecasting import ContentPredictor
    from marketing_engine.analytics.spend import roi_forecasts

    posts = _frame(warehouse, ContentPerformance, brand)
    if posts.empty:
        raise AnalyticsInputError(
            f"no content metrics for brand {brand!r}: materialize `content_metrics` first"
        )
    content = ContentPredictor()
    scores = [content.fit(posts)]
    best_hour = posts.groupby(["platform", "hour"])["engagement_rate"].mean().groupby(level=0).idxmax()
    candidates = pd.DataFrame(
        [
            {
                "platform": p,
                "hook": h,
                "hour": best_hour[p][1],
                "weekday": "tue",
                "topic": posts["topic"].mode()[0],
                "length": int(posts["length"].median()),
            }
            for p in sorted(posts["platform"].unique())
            for h in HOOKS
        ]
    )
    predicted = content.predict(candidates)
    rows = [
        {
            "brand": brand,
            "kind": "content",
            "subject": f"{r.platform} · {r.hook.replace('_', ' ')} at {r.hour:02d}:00",
            "predicted": float(r.predicted),
            "low": float(r.low),
            "high": float(r.high),
            "details": {"platform": r.platform, "hook": r.hook, "hour": int(r.hour)},
        }
        for r in predicted.itertuples()
    ]

    credit = _frame(warehouse, AttributionCredit, brand)
    shapley = (
        credit[(credit["model"] == "shapley") & (credit["campaign"] == "all")] if not credit.empty else credit
    )
    shares = {r.channel: r.share for r in shapley.itertuples() if r.channel not in (BASELINE, DIRECT)}
    journeys = pd.DataFrame(_journey_records(warehouse, brand)) if shares else pd.DataFrame()
    roi = roi_forecasts(brand, journeys, shares, pd.DataFrame(analytics_store.spend_rows(warehouse, brand)))
    rows, scores = rows + roi.rows, scores + roi.scores
    analytics_store.save_forecasts(warehouse, rows)
    return ForecastOutcome(rows, scores, roi.spend)


def remember(warehouse: Warehouse, brand: str) -> list[memory.Finding]:
    posts = _frame(warehouse, ContentPerformance, brand)
    findings: list[memory.Finding] = []
    if not posts.empty:
        findings += memory.hook_findings(posts) + memory.posting_time_findings(posts)
    credit = _frame(warehouse, AttributionCredit, brand)
    if not credit.empty:
        everyone = credit[(credit["campaign"] == "all") & ~credit["channel"].isin([BASELINE, DIRECT])]
        shares = {
            m: dict(zip(g["channel"], g["share"] / g["share"].sum())) for m, g in everyone.groupby("model")
        }
        journeys = analytics_store.journey_count(warehouse, brand)
        findings += memory.attribution_findings(shares, journeys)
    allocations = _frame(warehouse, BanditAllocation, brand)
    if not allocations.empty:
        findings += memory.allocation_findings(allocations.to_dict("records"))
    for row in _frame(warehouse, ExperimentResult, brand).to_dict("records"):
        text = (
            f"{row['experiment']}: B ({row['variant_b']}) has a {row['chance_to_win']:.0%} chance to beat A, "
            f"lift {row['lift']:+.1%} ({row['ci_low']:+.1%} … {row['ci_high']:+.1%}) over "
            f"{row['visitors_a'] + row['visitors_b']} visitors — {row['decision']}"
        )
        findings.append(
            memory.Finding(
                "site",
                "experiment",
                row["experiment"][:200],
                text,
                row["lift"],
                row["ci_low"],
                row["ci_high"],
                row["visitors_a"] + row["visitors_b"],
            )
        )
    analytics_store.save_findings(warehouse, [f.row(brand) for f in findings])
    return findings


def headline_findings(findings: pd.DataFrame) -> list[dict]:
    """Findings for the report's summary: the strongest of each kind first, kinds taking turns."""
    if findings.empty:
        return []
    ranked = findings.assign(strength=findings["effect"].abs().fillna(0)).sort_values(
        "strength", ascending=False
    )
    turns = ranked.groupby("dimension").cumcount()
    return (
        ranked.assign(turn=turns)
        .sort_values(["turn", "strength"], ascending=[True, False])
        .to_dict("records")
    )


def build_report(
    warehouse: Warehouse,
    brand: str,
    name: str,
    now: datetime,
    money: Callable[[float], str] = lambda amount: f"{amount:,.0f}",
    ledger: GenerationLedger | None = None,
    not_configured: Mapping[str, list[str]] | None = None,
) -> tuple[str, list[str]]:
    """The report's HTML and its sections; `money` writes amounts in the brand's currency
    (`BrandProfile.money`). Text generation comes from `ledger` (the LLM resource's, `LLMResource.ledger()`;
    by default the engine home's SQLite file) over the last `REPORT_DAYS` days up to `now`. The report
    marks each figure measured or simulated (the warehouse's rows by origin) and names the sources
    `not_configured` (measuring asset -> names); with nothing measured it says "no data"."""
    from marketing_engine.analytics.report import ReportData, render_report
    from marketing_engine.analytics.spend import spend_summary

    credit = _frame(warehouse, AttributionCredit, brand)
    if credit.empty:  # no data: the report shows none rather than failing
        credit = pd.DataFrame(columns=[column.name for column in AttributionCredit.__table__.columns])
    everyone = credit[(credit["campaign"] == "all") & ~credit["channel"].isin([BASELINE, DIRECT])].copy()
    everyone["share"] = everyone["share"] / everyone.groupby("model")["share"].transform("sum")
    forecasts = _frame(warehouse, PerformanceForecast, brand)
    posts = _frame(warehouse, ContentPerformance, brand)
    trends = [
        {"topic": t["topic"], "score": float(t["score"]), "reason": t["reason"]}
        for t in trend_store.recent_opportunities(warehouse, brand, limit=50)
    ]
    pages = [
        {"title": p["title"], "status": p["status"]} for p in analytics_store.pages(warehouse, brand, 200)
    ]
    videos = [
        {**v, "duration_s": float(v["duration_s"])} for v in analytics_store.videos(warehouse, brand, 200)
    ]
    findings = _frame(warehouse, CampaignMemory, brand)
    index_state = seo_store.latest_status(warehouse, brand)
    generated = (ledger or ledger_at(None)).rows(now.date() - timedelta(days=REPORT_DAYS - 1), now.date())
    scores = {
        "journeys": f"{analytics_store.journey_count(warehouse, brand):,}",
        "posts measured": f"{len(posts):,}",
        "revenue credited": money(
            round(
                float(credit[(credit["model"] == "shapley") & (credit["campaign"] == "all")]["revenue"].sum())
            )
        ),
        "ad spend": spend_summary(analytics_store.spend_rows(warehouse, brand), money),
    }
    data = ReportData(
        brand=name,
        generated_at=now,
        attribution=everyone[["model", "channel", "share", "revenue"]],
        experiments=_frame(warehouse, ExperimentResult, brand).to_dict("records"),
        forecasts=forecasts
        if not forecasts.empty
        else pd.DataFrame(columns=["kind", "subject", "predicted", "low", "high"]),
        posts=posts,
        findings=headline_findings(findings),
        trends=trends,
        pages=pages,
        videos=videos,
        scores=scores,
        indexing=index_summary(index_state) if index_state else {},
        visibility=[
            {"day": day.isoformat(), **share.__dict__}
            for day, share in visibility_store.share_history(warehouse, brand)
        ],
        generation=totals(generated),
        generation_days=REPORT_DAYS,
        provenance=warehouse.measured_origins(brand),
        not_configured=dict(not_configured or {}),
    )
    html = render_report(data)
    sections = [
        "provenance",
        "attribution",
        "experiments",
        "forecasts",
        "posting-time heatmap",
        "trends",
        "pages",
        "videos",
        *(["indexing"] if index_state else []),
        *(["ai visibility"] if data.visibility else []),
        *(["text generation"] if data.generation else []),
    ]
    return html, sections
