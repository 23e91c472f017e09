"""The imported_journeys and ad_spend assets: not configured, configured, and a failing platform."""

from __future__ import annotations

import dagster as dg
import httpx
import pytest
import respx

from marketing_engine.analytics import store
from marketing_engine.assets.analytics import attribution_tables
from marketing_engine.assets.analytics_sources import ad_spend, imported_journeys
from marketing_engine.resources.ad_spend import AdSpendResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.journey_sources import NOT_CONFIGURED, JourneySourcesResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import AttributionCredit, CustomerJourney, PerformanceForecast


def _touch_file(tmp_path) -> str:
    rows = ["user_id,timestamp,channel,conversion,revenue,currency"]
    for u in range(60):
        day = 1 + u % 10
        rows.append(f"v{u},2026-11-{day:02d}T09:00:00Z,{('email', 'google_ads', 'linkedin')[u % 3]},0,,")
        if u % 4 == 0:
            rows.append(f"v{u},2026-11-{day:02d}T10:00:00Z,meta_ads,1,{40 + u}.00,USD")
    path = tmp_path / "touches.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_imported_journeys_not_configured_then_from_a_file_into_attribution(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    resources = {"brand": BrandResource(path=str(EXAMPLE_BRAND)), "warehouse": WarehouseResource(url=url)}
    result = dg.materialize(
        [imported_journeys], resources={**resources, "journey_sources": JourneySourcesResource()}
    )
    metadata = result.asset_materializations_for_node("imported_journeys")[0].metadata
    assert metadata["source"].value == NOT_CONFIGURED and metadata["journeys"].value == 0

    sources = JourneySourcesResource(journeys_file=_touch_file(tmp_path))
    result = dg.materialize(
        [imported_journeys, attribution_tables], resources={**resources, "journey_sources": sources}
    )
    metadata = result.asset_materializations_for_node("imported_journeys")[0].metadata
    assert (metadata["source"].value, metadata["journeys"].value, metadata["conversions"].value) == (
        "import",
        60,
        15,
    )
    assert metadata["touches_read"].value == 75 and metadata["first_day"].value == "2026-11-01"
    credit = result.asset_materializations_for_node("attribution_tables")[0].metadata
    assert credit["journeys"].value == 60 and credit["conversions"].value == 15
    warehouse = Warehouse(url)
    assert warehouse.count(CustomerJourney, brand="kestrel-cycles", source="import") == 60
    assert warehouse.count(AttributionCredit, brand="kestrel-cycles") > 0
    warehouse.dispose()

    (tmp_path / "touches.csv").write_text("user_id,timestamp,channel\nv1,soon,email\n")
    with pytest.raises(dg.Failure, match="touches.csv, line 2, column 'timestamp': 'soon'") as caught:
        imported_journeys(brand=resources["brand"], warehouse=resources["warehouse"], journey_sources=sources)
    assert caught.value.allow_retries is False


def test_ad_spend_simulated_offline_from_a_file_live_and_a_refusing_platform_fails(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    brand, warehouse = BrandResource(path=str(EXAMPLE_BRAND)), WarehouseResource(url=url)
    offline = ad_spend(brand=brand, warehouse=warehouse, ad_spend_sources=AdSpendResource())
    assert offline.metadata["rows"] > 0 and offline.metadata["sources"].value.keys() == {"simulator"}
    rows = store.spend_rows(Warehouse(url), "kestrel-cycles")
    assert {r["source"] for r in rows} == {"simulator"} and {r["currency"] for r in rows} == {"USD"}

    spend = tmp_path / "spend.csv"
    spend.write_text("day,platform,campaign,spend,currency\n2026-11-02,google_ads,Search - brand,31.20,USD\n")
    live = AdSpendResource(backend="live", spend_file=str(spend))
    result = ad_spend(brand=brand, warehouse=warehouse, ad_spend_sources=live)
    assert (
        result.metadata["rows"] == 1
        and "meta_ads (META_ADS_ACCESS_TOKEN" in result.metadata["not_configured"]
    )

    refusing = AdSpendResource(
        backend="live", spend_file=str(spend), meta_ads_access_token="EAAB-secret", meta_ads_account_id="42"
    )
    with respx.mock:
        respx.get("https://graph.facebook.com/v21.0/act_42/insights").mock(
            return_value=httpx.Response(400, json={"error": {"message": "(#200) No ads_read", "code": 200}})
        )
        with pytest.raises(
            dg.Failure, match=r"ad spend sources failed: meta_ads: meta_ads: HTTP 400"
        ) as caught:
            ad_spend(brand=brand, warehouse=warehouse, ad_spend_sources=refusing)
    assert "EAAB-secret" not in str(caught.value.description)
    assert caught.value.metadata["rows"].value == 1  # the file's row is stored all the same


def test_offline_the_roi_forecast_learns_from_simulated_spend_and_says_so(tmp_path):
    from datetime import UTC, datetime, timedelta

    from marketing_engine.assets.analytics import content_metrics, performance_forecasts, touchpoints
    from marketing_engine.resources.metrics import MetricsResource

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=url),
        "metrics": MetricsResource(journeys_per_day=150, simulated_posts_per_day=40),
        "ad_spend_sources": AdSpendResource(),
    }
    instance = dg.DagsterInstance.ephemeral()
    today = datetime.now(UTC).date()
    yesterday = str(today - timedelta(days=1))  # the last day of the spend window
    daily = dg.materialize(
        [touchpoints, content_metrics], partition_key=yesterday, resources=resources, instance=instance
    )
    assert daily.success
    forecasts = (
        dg.materialize([attribution_tables, performance_forecasts], resources=resources, instance=instance)
        .asset_materializations_for_node("performance_forecasts")[0]
        .metadata
    )
    assert (
        forecasts["ad_spend"].value
        == "no spend data: set AD_SPEND_FILE or an ad platform's settings (docs/journeys.md)"
    )
    assert "campaign_revenue_per_day_rows" not in forecasts

    result = dg.materialize([ad_spend, performance_forecasts], resources=resources, instance=instance)
    forecasts = result.asset_materializations_for_node("performance_forecasts")[0].metadata
    assert (
        forecasts["ad_spend"].value.endswith("spent (simulator)")
        and forecasts["campaign_revenue_per_day_rows"].value >= 20
    )
    rows = [
        r
        for r in store.brand_rows(Warehouse(url), PerformanceForecast, "kestrel-cycles")
        if r["kind"] == "campaign"
    ]
    assert rows and {r["details"]["spend_source"] for r in rows} == {"simulator"}


def _service_account(tmp_path) -> str:
    """A service-account key file as Google Cloud issues it (a fresh RSA key; nothing real)."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "kestrel-analytics",
                "private_key_id": "4f1c0a",
                "private_key": pem.decode(),
                "client_email": "journeys@kestrel-analytics.iam.gserviceaccount.com",
                "client_id": "104561234567890123456",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return str(path)


def test_imported_journeys_from_the_ga4_export_with_a_service_account(tmp_path, monkeypatch):
    import json
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from urllib.parse import parse_qs

    import responses

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", _service_account(tmp_path))
    monkeypatch.setenv("GA4_BIGQUERY_DATASET", "kestrel-analytics.analytics_312345678")
    sources = JourneySourcesResource.from_env()
    assert sources.ga4_bigquery_dataset == dg.EnvVar("GA4_BIGQUERY_DATASET") and not sources.journeys_file
    recorded = json.loads(
        (Path(__file__).parent.parent / "data" / "ga4_bigquery" / "events_query.json").read_text()
    )
    for key in ("jobs.query", "jobs.getQueryResults"):  # the brand's currency, as its export would hold
        for row in recorded[key]["rows"]:
            row["f"][7]["v"] = "USD" if row["f"][7]["v"] else None
    bigquery = "https://bigquery.googleapis.com/bigquery/v2/projects/kestrel-analytics"
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    resources = {"brand": BrandResource(path=str(EXAMPLE_BRAND)), "warehouse": WarehouseResource(url=url)}
    with responses.RequestsMock() as mock:
        token = mock.post(
            "https://oauth2.googleapis.com/token", json={"access_token": "ya29.sa", "expires_in": 3599}
        )
        query = mock.post(f"{bigquery}/queries", json=recorded["jobs.query"])
        mock.get(f"{bigquery}/jobs/job_ga4_export_journeys", json=recorded["jobs.get"])
        mock.get(f"{bigquery}/queries/job_ga4_export_journeys", json=recorded["jobs.getQueryResults"])
        result = dg.materialize([imported_journeys], resources={**resources, "journey_sources": sources})
        body = token.calls[0].request.body
        grant = parse_qs(body.decode() if isinstance(body, bytes) else body)
        assert grant["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"] and grant["assertion"]
        assert query.calls[0].request.headers["Authorization"] == "Bearer ya29.sa"
        sent = json.loads(query.calls[0].request.body)
    today = datetime.now(UTC).date()
    window = [(today - timedelta(days=d)).strftime("%Y%m%d") for d in (30, 1)]
    assert [p["parameterValue"]["value"] for p in sent["queryParameters"]] == window
    metadata = result.asset_materializations_for_node("imported_journeys")[0].metadata
    assert (metadata["source"].value, metadata["touches_read"].value, metadata["conversions"].value) == (
        "ga4_bigquery",
        194,
        33,
    )
    assert metadata["revenue"].value == "$5,575"  # the brand's money, as profile.money writes it


def test_ad_spend_is_not_retried_for_a_malformed_setting_but_is_for_a_platform_refusal(tmp_path):
    """A malformed setting (an ad account id that is not one) reads the same on a retry: the step
    fails without a retry; a platform's own refusal next to it is worth one."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    brand, warehouse = BrandResource(path=str(EXAMPLE_BRAND)), WarehouseResource(url=url)
    spend = tmp_path / "spend.csv"
    spend.write_text("day,platform,campaign,spend,currency\n2026-11-02,google_ads,Search - brand,31.20,USD\n")

    def sources(meta_account: str) -> AdSpendResource:  # LinkedIn's account id is malformed in both
        return AdSpendResource(
            backend="live",
            spend_file=str(spend),
            meta_ads_access_token="EAAB-secret",
            meta_ads_account_id=meta_account,
            linkedin_ads_access_token="AQX-secret",
            linkedin_ad_account_id="urn:li:sponsoredAccount:x7",
        )

    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(dg.Failure, match="META_ADS_ACCOUNT_ID 'acct-9' is not") as caught:
            ad_spend(brand=brand, warehouse=warehouse, ad_spend_sources=sources("acct-9"))
        assert not mock.calls  # nothing sent with a malformed setting
    assert caught.value.allow_retries is False and "LINKEDIN_AD_ACCOUNT_ID" in caught.value.description
    assert caught.value.metadata["rows"].value == 1  # the file's row counts all the same

    # Meta's id fixed: Meta's own refusal is the platform's answer of the moment, worth a retry
    with respx.mock:
        respx.get("https://graph.facebook.com/v21.0/act_42/insights").mock(
            return_value=httpx.Response(400, json={"error": {"message": "Service unavailable", "code": 2}})
        )
        with pytest.raises(dg.Failure, match="meta_ads: HTTP 400") as caught:
            ad_spend(brand=brand, warehouse=warehouse, ad_spend_sources=sources("42"))
    assert caught.value.allow_retries is True  # the platform may answer next time


def test_a_malformed_google_ads_manager_id_is_a_setting_error_not_an_outage():
    from datetime import date

    from marketing_engine.analytics.spend import fetch_spend
    from marketing_engine.resources.ad_spend import SettingError

    resource = AdSpendResource(
        backend="live",
        google_ads_developer_token="dev",
        google_ads_customer_id="123-456-7890",
        google_ads_client_id="cid",
        google_ads_client_secret="cs",
        google_ads_refresh_token="1//r",
        google_ads_login_customer_id="manager-1",
    )
    fetched = fetch_spend(resource.sources("USD"), date(2026, 11, 1), date(2026, 11, 2), "USD")
    assert fetched.failures == {
        "google_ads": "google_ads: GOOGLE_ADS_LOGIN_CUSTOMER_ID 'manager-1' is not a 10-digit customer id "
        "(123-456-7890)"
    }
    assert fetched.unfixable == {"google_ads"} and not fetched.retryable()
    assert issubclass(SettingError, RuntimeError)
