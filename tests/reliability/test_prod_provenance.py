"""Prod without third-party credentials measures nothing it cannot measure, and says so.

`run_pipeline` (what `marketing-engine run` runs) drives the stages that write measured rows, with
MARKETING_ENGINE_ENV=prod and none of the platforms' credentials: the brand and its campaigns, the
daily trend snapshots, the search positions, the daily metrics and AI visibility (their sensors
choose the days), and the analytics loop down to the report. What such a run still needs is the
infrastructure: a warehouse (a SQLite file here), the media store and asset outputs on S3 (a real
moto_server), and a text generator (the offline composer: it writes from the brand file only, and
nothing here is measured by it). The one keyless source, Google News, answers from a recorded RSS
feed. Then every measured table's rows are counted by origin: none is `simulator`, and each
unconfigured source is named in the assets' metadata and in the report.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import httpx
import pytest
import respx
from moto_s3 import moto_server, s3_client
from seo.sitekit import seed_keywords

from marketing_engine.provenance import MEASURED, SIMULATOR, is_simulated
from marketing_engine.settings import sqlite_url

KEYWORDS = ["commuter e-bike", "cargo e-bike for kids", "how to carry groceries by bike"]
# Every credential a source could be configured with: none may be set for this run.
CREDENTIALS = (
    "GOOGLE_", "GA4_", "SEARCH_CONSOLE_", "X_", "META_", "LINKEDIN_", "TIKTOK_", "PINTEREST_", "REDDIT_",
    "THREADS_", "BLUESKY_", "YOUTUBE_", "SERPAPI_", "ANTHROPIC_", "OPENAI_", "GEMINI_", "ELEVENLABS_",
    "JOURNEY_", "GOOGLE_ADS_", "LINKEDIN_ADS_",
)  # fmt: skip
# The sources prod reports as not configured, by the asset that would have measured with them.
NOT_CONFIGURED = {
    "touchpoints": {"ga4", "x", "meta", "linkedin", "search_console", "youtube", "reddit", "bluesky"},
    "serp_positions": {"search_console"},
    "trend_snapshots": {"google_trends", "x", "reddit", "youtube", "tiktok"},
    "ai_visibility": {"anthropic", "openai", "gemini"},
    "imported_journeys": {"imported_journeys"},
    "ad_spend": {"file (AD_SPEND_FILE)", "meta_ads (META_ADS_ACCESS_TOKEN, META_ADS_ACCOUNT_ID)"},
}


def _rss(topic: str) -> str:
    when = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title>'
        f"<item><title>A new {topic} guide</title><link>https://news.example/1</link>"
        f"<pubDate>{when}</pubDate></item></channel></rss>"
    )


@pytest.fixture
def prod_home(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(CREDENTIALS):
            monkeypatch.delenv(name)
    with moto_server(tmp_path) as endpoint:
        for bucket in ("media", "outputs"):
            s3_client(endpoint).create_bucket(Bucket=bucket)
        settings = {
            "MARKETING_ENGINE_ENV": "prod",
            "MARKETING_ENGINE_HOME": str(tmp_path / "home"),
            "MARKETING_ENGINE_WAREHOUSE_URL": sqlite_url(tmp_path / "warehouse.sqlite"),
            "MARKETING_ENGINE_LLM": "offline",
            "MEDIA_STORE_BUCKET": "media",
            "MARKETING_ENGINE_IO_BUCKET": "outputs",
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_ACCESS_KEY_ID": "moto",
            "AWS_SECRET_ACCESS_KEY": "moto",
            "AWS_REGION": "us-east-1",
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield settings


def _latest(instance, asset: str) -> dict:
    from dagster import AssetKey

    event = instance.get_latest_materialization_event(AssetKey(asset))
    assert event is not None, f"{asset} was not materialized"
    return {key: value.value for key, value in event.asset_materialization.metadata.items()}


@respx.mock(assert_all_called=False)
def test_prod_without_credentials_writes_no_simulated_row_and_names_what_is_not_configured(
    prod_home, respx_mock
):
    from dagster import DagsterInstance

    from marketing_engine.pipeline import STAGES, Stage, run_pipeline
    from marketing_engine.warehouse import Warehouse

    respx_mock.get(url__startswith="https://news.google.com/rss/search").mock(
        side_effect=lambda request: httpx.Response(200, text=_rss(request.url.params["q"]))
    )
    # The keyword universe the SEO stage would have stored (its prod backend asks Google's autocomplete
    # with a politeness delay per request: minutes, and nothing it returns is measured).
    seed_keywords(prod_home["MARKETING_ENGINE_WAREHOUSE_URL"], KEYWORDS)
    by_name = {stage.name: stage for stage in STAGES}
    stages = [
        by_name["foundation"],
        by_name["trend snapshots"],
        Stage("search positions", keys=("serp_positions",)),
        Stage("journeys import", keys=("imported_journeys",)),
        by_name["analytics metrics"],
        by_name["analytics"],
    ]
    reports = run_pipeline(stages)
    assert [r.name for r in reports] == [s.name for s in stages] and all(r.runs for r in reports)

    counts = Warehouse(prod_home["MARKETING_ENGINE_WAREHOUSE_URL"]).measured_origins()
    assert set(counts) == set(MEASURED)
    simulated = {
        table: n for table, origins in counts.items() for origin, n in origins.items() if is_simulated(origin)
    }
    assert simulated == {}, f"simulated rows in prod: {simulated}"
    assert counts["trend_data"] == {"api": counts["trend_data"]["api"]} and counts["trend_data"]["api"] > 0
    assert all(not origins for table, origins in counts.items() if table != "trend_data"), counts

    instance = DagsterInstance.get()
    for asset in ("touchpoints", "content_metrics", "serp_positions", "trend_snapshots", "ai_visibility"):
        metadata = _latest(instance, asset)
        names = NOT_CONFIGURED.get(asset, NOT_CONFIGURED["touchpoints"])
        assert names <= set(metadata["not_configured"]), (asset, names - set(metadata["not_configured"]))
        assert SIMULATOR not in metadata["sources"] and "not configured: " in metadata["sources"]
    assert _latest(instance, "attribution_tables")["status"] == "no data"
    report = _latest(instance, "marketing_report")
    assert set().union(*NOT_CONFIGURED.values()) <= set(report["not_configured"])
    html = Path(report["report"]).read_text(encoding="utf-8")
    assert "Where these figures come from" in html and "Simulated figures" not in html
    assert "No data: no customer journeys were measured" in html
    for names in NOT_CONFIGURED.values():
        assert all(escape(name) in html for name in names), names
