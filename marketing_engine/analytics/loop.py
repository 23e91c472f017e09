"""The learning loop over the warehouse: measure, attribute, experiment, forecast, remember, report.

Each function reads what the daily assets stored, calls the plain models in this package and
writes its results back with natural-key upserts, so re-running any step never duplicates rows.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from marketing_engine.analytics import memory
from marketing_engine.analytics import store as analytics_store
from marketing_engine.analytics.attribution import BASELINE, all_models
from marketing_engine.analytics.bandits import ThompsonSampling
from marketing_engine.analytics.experiments import cuped, read_daily
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
from marketing_engine.wording import frames

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
    """Posts published on `day` as learner features (platform, hook, hour, weekday, topic, length)."""
    return post_features(analytics_store.published_posts(warehouse, brand, day), topics)


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
    return rows, metrics


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
    pages = provider.page_metrics(request.day) if hasattr(provider, "page_metrics") else []
    stages = analytics_store.save_post_performance(
        warehouse, request.brand, rows, post_metric_rows(rows), run_id
    )
    return PostMeasures(published, rows, page_metric_rows(pages, request.brand, request.day), stages)


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


def _experiment_subjects(warehouse: Warehouse, brand: str, profile) -> list[tuple[str, str, str, str]]:
    """(experiment, subject, variant A, variant B) from pages and videos made, else the products."""
    subjects = []
    for page in analytics_store.pages(warehouse, brand, limit=2):
        subjects.append((f"title:{page['slug']}", page["title"], page["title"], f"{page['title']}?"))
    for video in analytics_store.videos(warehouse, brand, limit=1):
        subjects.append((f"thumbnail:{slug(video['topic'])}", video["topic"], "text overlay", "face + text"))
    plain, named = frames("social", profile.language)["experiment_ctas"]
    for product in profile.products[: max(1, 3 - len(subjects))]:
        subjects.append((f"cta:{product.slug}", product.name, plain, named.format(product=product.name)))
    return subjects


def _simulate_test(name: str, days: int = 14) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    base = rng.uniform(0.03, 0.06)
    lift = rng.choice([-0.05, 0.0, 0.08, 0.15])
    visitors_a, visitors_b = rng.integers(700, 1400, days), rng.integers(700, 1400, days)
    conv_a = rng.binomial(visitors_a, base)
    conv_b = rng.binomial(visitors_b, base * (1 + lift))
    pre = rng.gamma(2.0, 20.0, 4000)  # pre-period spend per visitor, the CUPED covariate
    spend = 0.6 * pre + rng.gamma(2.0, 8.0, 4000)
    return visitors_a, visitors_b, conv_a, conv_b, spend, pre


def _decision(looks) -> str:
    last = looks[-1]
    if last.sequential.significant:
        return "ship B" if last.bayes.chance_to_win > 0.5 else "keep A"
    return "keep running" if last.bayes.expected_loss > 0.002 else "no difference: keep A"


@dataclass
class ExperimentOutcome:
    experiments: list[dict] = field(default_factory=list)
    allocations: list[dict] = field(default_factory=list)


def run_experiments(warehouse: Warehouse, brand: str, profile) -> ExperimentOutcome:
    outcome = ExperimentOutcome()
    for name, subject, variant_a, variant_b in _experiment_subjects(warehouse, brand, profile):
        visitors_a, visitors_b, conv_a, conv_b, spend, pre = _simulate_test(f"{brand}:{name}")
        looks = read_daily(visitors_a, visitors_b, conv_a, conv_b)
        last = looks[-1]
        outcome.experiments.append(
            {
                "brand": brand,
                "experiment": name,
                "subject": subject[:300],
                "variant_a": variant_a[:300],
                "variant_b": variant_b[:300],
                "visitors_a": last.visitors_a,
                "conversions_a": last.conversions_a,
                "visitors_b": last.visitors_b,
                "conversions_b": last.conversions_b,
                "chance_to_win": last.bayes.chance_to_win,
                "lift": last.bayes.lift,
                "ci_low": last.bayes.ci_low,
                "ci_high": last.bayes.ci_high,
                "expected_loss": last.bayes.expected_loss,
                "sequential_significant": last.sequential.significant,
                "cuped_variance_reduction": cuped(spend, pre).variance_reduction,
                "decision": _decision(looks),
                "looks": [
                    {
                        "day": k.day,
                        "chance_to_win": round(k.bayes.chance_to_win, 4),
                        "significant": k.sequential.significant,
                    }
                    for k in looks
                ],
            }
        )
    outcome.allocations = bandit_allocations(_frame(warehouse, ContentPerformance, brand), brand)
    outcome.allocations += variant_allocations(outcome.experiments)
    analytics_store.save_experiments(warehouse, outcome.experiments, outcome.allocations)
    return outcome


def variant_allocations(experiments: list[dict], seed: int = 0) -> list[dict]:
    """Thompson-sampling traffic shares between each test's variants (titles, thumbnails, calls to
    action): the page and video makers show the variants in these proportions while a test runs."""
    rows = []
    for row in experiments:
        kind, _, subject = row["experiment"].partition(":")
        arms = [f"{subject}|A: {row['variant_a']}", f"{subject}|B: {row['variant_b']}"]
        bandit = ThompsonSampling(arms, seed=seed)
        bandit.record(arms[0], row["conversions_a"], row["visitors_a"])
        bandit.record(arms[1], row["conversions_b"], row["visitors_b"])
        for arm, share in bandit.allocation().items():
            i = arms.index(arm)
            rows.append(
                {
                    "brand": row["brand"],
                    "platform": "site",
                    "dimension": kind,
                    "arm": arm[:100],
                    "share": round(share, 4),
                    "successes": float(bandit.successes[i]),
                    "failures": float(bandit.failures[i]),
                }
            )
    return rows


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


def forecast(warehouse: Warehouse, brand: str, profile) -> ForecastOutcome:
    from marketing_engine.analytics.forecasting import CampaignPredictor, ContentPredictor, campaign_days

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
    if shares:
        journeys = pd.DataFrame(_journey_records(warehouse, brand))
        days = campaign_days(journeys, shares)
        campaign = CampaignPredictor()
        scores.append(campaign.fit(days))
        grid = days.groupby(["channel", "product"], as_index=False)["spend"].median().assign(weekday="mon")
        for r in campaign.predict(grid).itertuples():
            rows.append(
                {
                    "brand": brand,
                    "kind": "campaign",
                    "subject": f"{r.product} on {r.channel}",
                    "predicted": float(r.predicted),
                    "low": float(r.low),
                    "high": float(r.high),
                    "details": {"spend": round(float(r.spend), 2), "roi": round(float(r.roi), 3)},
                }
            )
    analytics_store.save_forecasts(warehouse, rows)
    return ForecastOutcome(rows, scores)


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
) -> tuple[str, list[str]]:
    """The report's HTML and its sections; `money` writes amounts in the brand's currency
    (`BrandProfile.money`). Text generation comes from `ledger` (the LLM resource's, `LLMResource.ledger()`;
    by default the engine home's SQLite file) over the last `REPORT_DAYS` days up to `now`."""
    from marketing_engine.analytics.report import ReportData, render_report

    credit = _frame(warehouse, AttributionCredit, brand)
    if credit.empty:
        raise AnalyticsInputError(
            f"no attribution for brand {brand!r}: materialize `attribution_tables` first"
        )
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
    )
    html = render_report(data)
    sections = [
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
