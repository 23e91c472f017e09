"""The analytics group end to end on SQLite and PostgreSQL: rows, idempotence, the report."""

from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import select

from marketing_engine.analytics.recall import bandit_shares, learned_findings
from marketing_engine.assets.analytics import (
    attribution_credits_every_conversion,
    attribution_tables,
    campaign_memory,
    content_metrics,
    experiments,
    marketing_report,
    performance_forecasts,
    touchpoints,
)
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import (
    AttributionCredit,
    BanditAllocation,
    CampaignMemory,
    CampaignMetric,
    ContentPerformance,
    CustomerJourney,
    ExperimentResult,
    PerformanceForecast,
)

DAILY = [touchpoints, content_metrics]
LOOP = [
    attribution_tables,
    attribution_credits_every_conversion,
    experiments,
    performance_forecasts,
    campaign_memory,
    marketing_report,
]
DAYS = ["2026-11-20", "2026-11-21"]
TABLES = (
    CustomerJourney,
    ContentPerformance,
    CampaignMetric,
    AttributionCredit,
    ExperimentResult,
    BanditAllocation,
    PerformanceForecast,
    CampaignMemory,
)


def _resources(url: str, media: Path) -> dict:
    return {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=url),
        "media_store": MediaStoreResource(root=str(media)),
        "metrics": MetricsResource(journeys_per_day=3000, simulated_posts_per_day=150),
    }


def run_analytics(url: str, media: Path, instance: DagsterInstance) -> None:
    resources = _resources(url, media)
    for day in DAYS:
        assert materialize(DAILY, partition_key=day, resources=resources, instance=instance).success
    result = materialize(LOOP, resources=resources, instance=instance)
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["models"].value == 9


def _row_counts(store: Warehouse) -> dict[str, int]:
    """The example brand's rows in each analytics table, by table name."""
    return {m.__tablename__: store.count(m, brand="kestrel-cycles") for m in TABLES}


def test_analytics_group_fills_its_tables_and_reruns_without_duplicates(warehouse_url, tmp_path, engine_home):
    instance = DagsterInstance.ephemeral()
    run_analytics(warehouse_url, tmp_path / "media", instance)
    store = Warehouse(warehouse_url)
    counts = _row_counts(store)
    assert counts["customer_journeys"] == 6000
    assert counts["content_performance"] == 300
    # 9 models for all journeys and for each of the 4 products.
    with store.session() as session:
        markov_3 = session.scalars(
            select(AttributionCredit.channel).where(
                AttributionCredit.model == "markov_3", AttributionCredit.campaign == "all"
            )
        ).all()
        shapley_share = session.scalar(
            select(AttributionCredit.share).where(
                AttributionCredit.model == "shapley",
                AttributionCredit.campaign == "all",
                AttributionCredit.channel == "retargeting",
            )
        )
    assert {"x", "linkedin", "retargeting", "organic_search", "email", "direct"} <= set(markov_3)
    assert shapley_share < 0.05  # the zero-lift channel gets little data-driven credit
    assert min(n for table, n in counts.items() if table != "experiment_results") > 0
    assert counts["experiment_results"] == 0  # nothing assigned, nothing measured: no made-up result

    run_analytics(warehouse_url, tmp_path / "media", instance)
    assert _row_counts(store) == counts
    report = engine_home / "reports" / "kestrel-cycles-marketing-report.html"
    assert report.is_file() and report.stat().st_size > 1_000_000

    # What the writers and the calendar read back.
    findings = learned_findings(store, "kestrel-cycles", platforms=["linkedin"], limit=5)
    # attribution, hooks, posting times and the posting-time bandit; no experiment finding (no assigned post)
    assert len(findings) == 4 and all(isinstance(f, str) and f for f in findings)
    assert not any(f.startswith(("hook:", "seo_title")) for f in findings)
    shares = bandit_shares(store, "kestrel-cycles", "tiktok", "posting_time")
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert all(arm[2] == ":" and "-" in arm for arm in shares)
    # No post went out with an assigned hook and no page is in a title test: no experiment result.
    assert bandit_shares(store, "kestrel-cycles", "linkedin", "hook") == {}
    store.dispose()


def test_models_before_any_journey_say_no_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = materialize(
        [attribution_tables, attribution_credits_every_conversion, performance_forecasts, campaign_memory],
        resources=_resources(url, tmp_path / "media"),
        instance=DagsterInstance.ephemeral(),
    )
    attribution = result.asset_materializations_for_node("attribution_tables")[0].metadata
    assert attribution["status"].value == "no data"
    assert "materialize `touchpoints` first" in attribution["why"].value
    forecasts = result.asset_materializations_for_node("performance_forecasts")[0].metadata
    assert forecasts["status"].value == "no data" and "content_metrics" in forecasts["why"].value
    assert result.asset_materializations_for_node("campaign_memory")[0].metadata["findings"].value == 0
    check = result.get_asset_check_evaluations()[0]
    assert check.passed and check.metadata["status"].value == "no data"
    assert learned_findings(Warehouse(url), "kestrel-cycles") == []
    assert bandit_shares(Warehouse(url), "kestrel-cycles", "tiktok", "posting_time") == {}
    assert Warehouse(url).count(AttributionCredit) == 0


@pytest.mark.e2e
def test_report_charts_render_in_headless_chromium(tmp_path, report_data):
    from playwright.sync_api import sync_playwright

    from marketing_engine.analytics.report import render_report

    html = render_report(report_data)
    assert "<script>x</script>" not in html.split("<section>", 1)[1].split("Pages published")[0]
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(report.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        rendered = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d.querySelector('svg.main-svg')"
            " && d.querySelectorAll('.trace, .hm, .bars, .scatterlayer .trace').length > 0).length"
        )
        count = page.locator(".js-plotly-plot").count()
        titles = page.eval_on_selector_all(".gtitle", "els => els.map(e => e.textContent)")
        tables = page.locator("table").all_inner_texts()
        browser.close()
    # attribution, posteriors, two forecasts, posting-time heatmap, trend opportunities
    assert count == 6 and rendered == 6, (rendered, titles)
    assert {
        "Share of credit by channel, per attribution model",
        "Mean engagement rate by posting hour",
        "Trend opportunities",
        "Experiment posteriors (conversion rate)",
    } <= set(titles)
    assert any("<script>x</script>" in t for t in tables)  # shown as text, escaped
    assert any("Cargo e-bikes in Portland" in t for t in tables)
    assert not errors
