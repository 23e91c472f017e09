"""Ad spend from Meta's insights (respx), LinkedIn's adAnalytics (respx), the Google Ads API (the
official client over gRPC/TLS to a local server) and a spend file; and the ROI predictor trained on it."""

from __future__ import annotations

import json
from concurrent import futures
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import grpc
import httpx
import pandas as pd
import pytest
import responses
import respx

from marketing_engine.analytics import store
from marketing_engine.analytics.spend import (
    NO_SPEND,
    SpendError,
    campaign_days,
    fetch_spend,
    read_spend,
    roi_forecasts,
    spend_summary,
)
from marketing_engine.resources.ad_spend import AdSpendResource
from marketing_engine.resources.ad_spend.google_ads import GoogleAdsSpend, ads_client
from marketing_engine.resources.ad_spend.linkedin import LinkedInAdsSpend
from marketing_engine.resources.ad_spend.meta import MetaAdsSpend
from marketing_engine.resources.retry import ProviderError, RetryPolicy

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 14)
GRAPH = "https://graph.facebook.com/v21.0"
LINKEDIN = "https://api.linkedin.com/rest"
NO_RETRY = RetryPolicy(max_retries=0)


def _insights_row(day: date, spend: float) -> dict:
    return {
        "campaign_id": "120210000000001",
        "campaign_name": "Winter launch",
        "spend": f"{spend:.2f}",
        "impressions": str(int(spend * 40)),
        "clicks": str(int(spend / 3)),
        "account_currency": "EUR",
        "date_start": day.isoformat(),
        "date_stop": day.isoformat(),
    }


def meta_recorded() -> tuple[dict, dict]:
    """Two pages of the insights answer (level=campaign, time_increment=1), 7 days each."""
    days = [FIRST + timedelta(days=i) for i in range(14)]
    rows = [_insights_row(day, 80 + 5 * i) for i, day in enumerate(days)]
    after = "QVFIUmFzZAVNTRV9uY3VyeDZAC"
    first = {
        "data": rows[:7],
        "paging": {
            "cursors": {"before": "MAZDZD", "after": after},
            "next": f"{GRAPH}/act_1234567/insights?access_token=EAAB-secret&level=campaign&after={after}",
        },
    }
    return first, {"data": rows[7:], "paging": {"cursors": {"before": after, "after": "MTMZD"}}}


@respx.mock
def test_meta_insights_follow_paging_and_become_spend_rows():
    first, second = meta_recorded()
    route = respx.get(f"{GRAPH}/act_1234567/insights").mock(
        side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)]
    )
    rows = MetaAdsSpend("EAAB-secret", "act_1234567").daily_spend(FIRST, LAST)
    asked = parse_qs(urlparse(str(route.calls[0].request.url)).query)
    assert asked["level"] == ["campaign"] and asked["time_increment"] == ["1"]
    assert asked["fields"] == ["campaign_id,campaign_name,spend,impressions,clicks,account_currency"]
    assert json.loads(asked["time_range"][0]) == {"since": "2026-11-01", "until": "2026-11-14"}
    assert "after=" in str(route.calls[1].request.url)
    assert len(rows) == 14 and rows[0] == {
        "day": "2026-11-01",
        "platform": "meta_ads",
        "campaign": "Winter launch",
        "spend": "80.00",
        "currency": "EUR",
        "impressions": "3200",
        "clicks": "26",
    }


@respx.mock
def test_a_meta_refusal_names_the_provider_and_never_the_token():
    respx.get(f"{GRAPH}/act_1234567/insights").mock(
        return_value=httpx.Response(
            400,
            json={
                "error": {
                    "message": "(#100) Missing permissions: ads_read",
                    "type": "OAuthException",
                    "code": 100,
                    "fbtrace_id": "A1b2C3",
                }
            },
        )
    )
    with pytest.raises(ProviderError, match=r"meta_ads: HTTP 400: \(#100\) Missing permissions") as caught:
        MetaAdsSpend("EAAB-secret", "1234567").daily_spend(FIRST, LAST)
    assert "EAAB-secret" not in str(caught.value)
    with pytest.raises(ProviderError, match="META_ADS_ACCOUNT_ID 'my-account' is not"):
        MetaAdsSpend("EAAB-secret", "my-account")
    respx.get(f"{GRAPH}/act_1234567/insights").mock(
        return_value=httpx.Response(200, json={"data": [{"x": 1}]})
    )
    with pytest.raises(ProviderError, match="malformed insights row"):
        MetaAdsSpend("EAAB-secret", "1234567").daily_spend(FIRST, LAST)


@respx.mock
def test_linkedin_ad_analytics_per_campaign_and_day():
    respx.get(f"{LINKEDIN}/adAccounts/507404993").mock(
        return_value=httpx.Response(
            200, json={"id": 507404993, "currency": "EUR", "name": "Kestrel", "status": "ACTIVE"}
        )
    )
    campaigns = respx.get(f"{LINKEDIN}/adAccounts/507404993/adCampaigns").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "elements": [{"id": 6011, "name": "Commuter retargeting"}],
                    "metadata": {"nextPageToken": "DgE"},
                },
            ),
            httpx.Response(200, json={"elements": [{"id": 6012, "name": "Fleet leads"}], "metadata": {}}),
        ]
    )
    element = {
        "costInLocalCurrency": "48.53",
        "impressions": 2200,
        "clicks": 21,
        "dateRange": {
            "start": {"year": 2026, "month": 11, "day": 3},
            "end": {"year": 2026, "month": 11, "day": 3},
        },
        "pivotValues": ["urn:li:sponsoredCampaign:6012"],
    }
    analytics = respx.get(url__startswith=f"{LINKEDIN}/adAnalytics").mock(
        return_value=httpx.Response(
            200, json={"paging": {"start": 0, "count": 10, "links": []}, "elements": [element]}
        )
    )
    rows = LinkedInAdsSpend("AQX-token", "urn:li:sponsoredAccount:507404993", policy=NO_RETRY).daily_spend(
        FIRST, LAST
    )
    assert rows == [
        {
            "day": "2026-11-03",
            "platform": "linkedin_ads",
            "campaign": "Fleet leads",
            "spend": "48.53",
            "currency": "EUR",
            "impressions": 2200,
            "clicks": 21,
        }
    ]
    sent = analytics.calls[0].request
    raw = sent.url.raw_path.decode()
    assert "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY" in raw
    assert "dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:14))" in raw
    assert "accounts=List(urn%3Ali%3AsponsoredAccount%3A507404993)" in raw
    assert "fields=costInLocalCurrency,impressions,clicks,dateRange,pivotValues" in raw
    assert sent.headers["Authorization"] == "Bearer AQX-token" and sent.headers["LinkedIn-Version"]
    assert "pageToken=DgE" in str(campaigns.calls[1].request.url)
    campaigns.mock(side_effect=None, return_value=httpx.Response(200, json={"elements": []}))
    analytics.mock(return_value=httpx.Response(200, json={"elements": [{"costInLocalCurrency": "1"}]}))
    with pytest.raises(ProviderError, match="linkedin_ads: malformed adAnalytics element"):
        LinkedInAdsSpend("AQX-token", "507404993", policy=NO_RETRY).daily_spend(FIRST, LAST)


# --- Google Ads: the official client, over TLS, against a local GoogleAdsService ---------------


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory) -> tuple[bytes, bytes, str]:
    """A self-signed key and certificate for 127.0.0.1, and the certificate's path (the roots the
    client trusts)."""
    from outreach.mailservers import self_signed_tls

    folder = tmp_path_factory.mktemp("tls")
    _, cert = self_signed_tls(folder)
    return (folder / "key.pem").read_bytes(), cert.read_bytes(), str(cert)


def _ads_server(tls_pair, answer):
    """A GoogleAdsService on 127.0.0.1 speaking the API's protobufs; `answer(request, context)`."""
    from google.ads.googleads.v26.services.types.google_ads_service import (
        SearchGoogleAdsStreamRequest,
        SearchGoogleAdsStreamResponse,
    )

    handler = grpc.method_handlers_generic_handler(
        "google.ads.googleads.v26.services.GoogleAdsService",
        {
            "SearchStream": grpc.unary_stream_rpc_method_handler(
                answer,
                request_deserializer=SearchGoogleAdsStreamRequest.deserialize,
                response_serializer=SearchGoogleAdsStreamResponse.serialize,
            )
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([tls_pair[:2]]))
    server.start()
    return server, f"127.0.0.1:{port}"


def _client(endpoint: str):
    return ads_client(
        "dev-token-1", "cid.apps.googleusercontent.com", "c-secret", "1//refresh", "111-222-3333", endpoint
    )


def _token(mock: responses.RequestsMock) -> None:
    mock.post(
        "https://accounts.google.com/o/oauth2/token",
        json={"access_token": "ya29.ads", "expires_in": 3599, "token_type": "Bearer"},
    )


def test_google_ads_search_stream_through_the_official_client(tls_pair, monkeypatch):
    from google.ads.googleads.v26.services.types.google_ads_service import (
        GoogleAdsRow,
        SearchGoogleAdsStreamResponse,
    )

    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", tls_pair[2])
    seen: dict = {}

    def search_stream(request, context):
        seen["request"], seen["metadata"] = request, dict(context.invocation_metadata())
        for day, cost in (("2026-11-02", 12_340_000), ("2026-11-03", 9_500_000)):
            row = GoogleAdsRow()
            row.campaign.name, row.segments.date, row.metrics.cost_micros = "Search - brand", day, cost
            row.metrics.impressions, row.metrics.clicks, row.customer.currency_code = 1000, 30, "EUR"
            yield SearchGoogleAdsStreamResponse(results=[row], request_id="rq-1")

    server, endpoint = _ads_server(tls_pair, search_stream)
    try:
        with responses.RequestsMock() as mock:
            _token(mock)
            rows = GoogleAdsSpend(_client(endpoint), "123-456-7890").daily_spend(FIRST, LAST)
    finally:
        server.stop(0)
    assert [(r["day"], r["spend"], r["currency"]) for r in rows] == [
        ("2026-11-02", 12.34, "EUR"),
        ("2026-11-03", 9.5, "EUR"),
    ]
    request, metadata = seen["request"], seen["metadata"]
    assert request.customer_id == "1234567890"
    assert "FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-14'" in request.query
    assert "metrics.cost_micros" in request.query
    assert metadata["developer-token"] == "dev-token-1" and metadata["login-customer-id"] == "1112223333"
    assert metadata["authorization"] == "Bearer ya29.ads"


def test_a_google_ads_failure_is_a_provider_error_with_its_message(tls_pair, monkeypatch):
    from google.ads.googleads.v26.errors.types.errors import GoogleAdsFailure

    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", tls_pair[2])
    failure = GoogleAdsFailure(errors=[{"message": "User doesn't have permission to access customer."}])

    def refuse(request, context):
        context.set_trailing_metadata(
            (
                ("google.ads.googleads.v26.errors.googleadsfailure-bin", GoogleAdsFailure.serialize(failure)),
                ("request-id", "rq-denied"),
            )
        )
        context.abort(grpc.StatusCode.PERMISSION_DENIED, "The caller does not have permission")
        yield  # pragma: no cover - a stream handler

    server, endpoint = _ads_server(tls_pair, refuse)
    try:
        with responses.RequestsMock() as mock:
            _token(mock)
            with pytest.raises(ProviderError, match="google_ads: User doesn't have permission") as caught:
                GoogleAdsSpend(_client(endpoint), "1234567890").daily_spend(FIRST, LAST)
    finally:
        server.stop(0)
    assert caught.value.code == "PERMISSION_DENIED" and caught.value.note == "rq-denied"
    with pytest.raises(ProviderError, match="GOOGLE_ADS_CUSTOMER_ID '12345' is not a 10-digit"):
        GoogleAdsSpend(None, "12345")


# --- the spend file, fetching, and the ROI predictor ---------------------------------------------

SPEND_HEADER = "day,platform,campaign,spend,currency,impressions,clicks\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2026-13-01,google_ads,Brand,10,EUR,,", "spend.csv, line 2, column 'day': '2026-13-01'"),
        ("2026-11-01,Google Ads!,Brand,10,EUR,,", "line 2, column 'platform': 'Google Ads!'"),
        ("2026-11-01,google_ads,,10,EUR,,", "line 2, column 'campaign': empty"),
        ("2026-11-01,google_ads,Brand,-4,EUR,,", "column 'spend': '-4' must be a number >= 0"),
        ("2026-11-01,google_ads,Brand,ten,EUR,,", "column 'spend': 'ten' is not a number"),
        ("2026-11-01,google_ads,Brand,10,USD,,", "column 'currency': USD but the brand's revenue is in EUR"),
        ("2026-11-01,google_ads,Brand,10,euro,,", "column 'currency': 'euro' is not an ISO 4217 code"),
        ("2026-11-01,google_ads,Brand,10,EUR,12.5,", "column 'impressions': '12.5' must be a whole number"),
    ],
)
def test_a_bad_spend_row_is_named_by_file_line_and_column(tmp_path, line, message):
    path = tmp_path / "spend.csv"
    path.write_text(SPEND_HEADER + line + "\n")
    with pytest.raises(SpendError, match=message.replace("(", r"\(")):
        read_spend(path, "EUR")


def test_bad_spend_files_are_named(tmp_path):
    with pytest.raises(SpendError, match="nowhere.csv: no such spend file"):
        read_spend(tmp_path / "nowhere.csv")
    (tmp_path / "spend.xlsx").write_text("x")
    with pytest.raises(SpendError, match=r"spend.xlsx: a spend file is .csv or .parquet"):
        read_spend(tmp_path / "spend.xlsx")
    (tmp_path / "spend.csv").write_text("day,platform,spend\n2026-11-01,google_ads,3\n")
    with pytest.raises(SpendError, match=r"spend.csv: missing column\(s\) campaign, currency"):
        read_spend(tmp_path / "spend.csv")


class _Down:
    name = "meta_ads"

    def daily_spend(self, first, last):
        raise ProviderError("meta_ads", "Service temporarily unavailable", 503)


def _spend_file(tmp_path) -> str:
    """Recorded Google Ads spend as a person exports it: two campaigns, 14 days."""
    lines = [
        f"{FIRST + timedelta(days=i)},google_ads,{name},{base + 7 * i:.2f},EUR,{1000 + i},{40 + i}"
        for i in range(14)
        for name, base in (("Search - brand", 60.0), ("Search - generic", 140.0))
    ]
    path = tmp_path / "spend.csv"
    path.write_text(SPEND_HEADER + "\n".join(lines) + "\n")
    return str(path)


def test_one_failing_source_is_named_and_the_others_still_count(tmp_path):
    resource = AdSpendResource(backend="live", spend_file=_spend_file(tmp_path))
    assert resource.configured() == ["file"]
    assert any(n.startswith("google_ads (GOOGLE_ADS_DEVELOPER_TOKEN") for n in resource.not_configured())
    fetched = fetch_spend([*resource.sources("EUR"), _Down()], FIRST, LAST, "EUR")
    assert fetched.per_source == {"file": 28} and {r["source"] for r in fetched.rows} == {"import"}
    assert fetched.failures == {"meta_ads": "meta_ads: HTTP 503: Service temporarily unavailable"}
    with pytest.raises(ProviderError, match="simulator backend has no live sources"):
        AdSpendResource().sources()
    # a malformed ad account id fails its own source when spend is fetched, not the others
    typo = resource.model_copy(
        update={"meta_ads_access_token": "EAAB-secret", "meta_ads_account_id": "acct-9"}
    )
    fetched = fetch_spend(typo.sources("EUR"), FIRST, LAST, "EUR")
    assert fetched.per_source == {"file": 28}
    assert fetched.failures == {
        "meta_ads": "meta_ads: META_ADS_ACCOUNT_ID 'acct-9' is not an ad account number"
    }


def _journeys(tmp_path) -> list[dict]:
    """Fourteen days of journeys from a touch file: paid search, Meta, e-mail and organic search."""
    from marketing_engine.analytics.journey_import import build_journeys, read_touches

    rows = ["user_id,timestamp,channel,conversion,revenue,currency"]
    channels = ["google_ads", "meta_ads", "email", "organic_search"]
    for d in range(14):
        day = FIRST + timedelta(days=d)
        for u in range(8):
            user, first, second = f"v{d}-{u}", channels[u % 4], channels[(u + d) % 4]
            rows.append(f"{user},{day}T08:{u:02d}:00Z,{first},0,,")
            rows.append(f"{user},{day}T12:{u:02d}:00Z,{second},0,,")
            if (u + d) % 3 == 0:
                rows.append(f"{user},{day}T12:{u:02d}:30Z,,1,{50 + 10 * u + d:.2f},EUR")
    path = tmp_path / "touches.csv"
    path.write_text("\n".join(rows) + "\n")
    return build_journeys(read_touches(path, "EUR"), "import")


@pytest.fixture(scope="module")
def tasca():
    """A Portuguese brand whose revenue is in euros, like the recorded answers."""
    from marketing_engine.brand import load_brand
    from marketing_engine.settings import PROJECT_ROOT

    return load_brand(PROJECT_ROOT / "examples" / "tasca-da-conceicao.yaml")


def test_recorded_spend_trains_the_roi_predictor_and_no_spend_says_so(tmp_path, warehouse, tasca):
    from marketing_engine.analytics.journey_import import store_journeys
    from marketing_engine.analytics.loop import attribute

    brand = tasca.slug
    store_journeys(warehouse, brand, _journeys(tmp_path))
    outcome = attribute(warehouse, brand, tasca)
    shares = {c: s for c, s in outcome.shares["shapley"].items() if c not in ("direct", "baseline")}
    records = pd.DataFrame(store.journey_records(warehouse, brand))
    assert roi_forecasts(brand, records, shares, pd.DataFrame()).spend == NO_SPEND

    # Recorded spend: Meta's insights answer (respx) and a Google Ads export (the spend file).
    with respx.mock:
        first, second = meta_recorded()
        respx.get(f"{GRAPH}/act_1234567/insights").mock(
            side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)]
        )
        resource = AdSpendResource(
            backend="live",
            spend_file=_spend_file(tmp_path),
            meta_ads_access_token="EAAB",
            meta_ads_account_id="1234567",
        )
        fetched = fetch_spend(resource.sources(tasca.currency_code), FIRST, LAST, tasca.currency_code)
    assert fetched.per_source == {"file": 28, "meta_ads": 14} and not fetched.failures
    store.save_spend(warehouse, brand, fetched.rows)
    store.save_spend(warehouse, brand, fetched.rows)  # re-fetched: same rows, not twice
    spend = pd.DataFrame(store.spend_rows(warehouse, brand))
    assert len(spend) == 42 and round(spend["spend"].sum(), 2) == round(
        sum(r["spend"] for r in fetched.rows), 2
    )
    assert spend_summary(store.spend_rows(warehouse, brand), tasca.money).endswith("(import+meta_ads_api)")

    days = campaign_days(records, shares, spend)
    assert len(days) == 42 and days["spend"].sum() == pytest.approx(spend["spend"].sum())
    credited = records.groupby("day")["revenue"].sum()
    paid = sum(shares.get(c, 0.0) for c in ("google_ads", "meta_ads"))
    assert days["revenue"].sum() == pytest.approx(credited.sum() * paid)

    roi = roi_forecasts(brand, records, shares, spend)
    assert roi.spend.startswith("42 campaign-days") and roi.scores[0].n_rows == 42
    recorded = spend.groupby(["platform", "campaign"])["spend"].median()
    assert {r["subject"] for r in roi.rows} == {f"{c} on {p}" for p, c in recorded.index}
    for row in roi.rows:
        campaign, channel = row["subject"].rsplit(" on ", 1)
        assert row["details"]["spend"] == round(recorded[(channel, campaign)], 2)
        assert row["details"]["roi"] == pytest.approx(row["predicted"] / row["details"]["spend"], abs=1e-3)
        assert row["details"]["spend_source"] == "import+meta_ads_api"


def test_in_prod_simulated_spend_is_refused(warehouse, monkeypatch):
    from marketing_engine.analytics.spend import simulated_spend
    from marketing_engine.provenance import SimulatedDataRefused

    rows = simulated_spend(["google_ads"], ["Brand"], FIRST, FIRST, "EUR")
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    with pytest.raises(SimulatedDataRefused, match="ad_spend: refused 1 simulated of 1 rows"):
        store.save_spend(warehouse, "kestrel-cycles", rows)
    assert store.spend_rows(warehouse, "kestrel-cycles") == []


def test_the_prod_resource_reads_each_platforms_settings_through_envvar(monkeypatch):
    from dagster import EnvVar

    settings = {
        "META_ADS_ACCESS_TOKEN": "EAAB",
        "META_ADS_ACCOUNT_ID": "act_1234567",
        "GOOGLE_ADS_DEVELOPER_TOKEN": "dev",
        "GOOGLE_ADS_CUSTOMER_ID": "123-456-7890",
        "GOOGLE_ADS_CLIENT_ID": "cid",
        "GOOGLE_ADS_CLIENT_SECRET": "cs",
        "GOOGLE_ADS_REFRESH_TOKEN": "1//r",
        "LINKEDIN_ADS_ACCESS_TOKEN": "AQX",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LINKEDIN_AD_ACCOUNT_ID", raising=False)
    resource = AdSpendResource.live_from_env()
    assert resource.meta_ads_access_token == EnvVar("META_ADS_ACCESS_TOKEN") and resource.backend == "live"
    assert not resource.linkedin_ad_account_id and not resource.spend_file
    # Resolved as Dagster resolves them at run time: each configured platform gets its client.
    resolved = AdSpendResource(
        backend="live", **{f: v for f, v in _fields(settings).items()}, linkedin_ad_account_id="42"
    )
    assert [s.name for s in resolved.sources("EUR")] == ["meta_ads", "google_ads", "linkedin_ads"]
    assert resolved.not_configured() == ["file (AD_SPEND_FILE)"]


def _fields(settings: dict[str, str]) -> dict[str, str]:
    from marketing_engine.resources.ad_spend import SECRETS

    names = {env: field for secrets in SECRETS.values() for env, field in secrets.items()}
    return {names[env]: value for env, value in settings.items()}


def test_a_google_ads_token_google_refuses_is_a_provider_error_at_fetch_time():
    resolved = AdSpendResource(
        backend="live",
        google_ads_developer_token="dev",
        google_ads_customer_id="1234567890",
        google_ads_client_id="cid",
        google_ads_client_secret="cs",
        google_ads_refresh_token="1//revoked",
    )
    (source,) = resolved.sources("EUR")
    with responses.RequestsMock() as mock:
        mock.post(
            "https://accounts.google.com/o/oauth2/token",
            status=400,
            json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )
        fetched = fetch_spend([source], FIRST, LAST, "EUR")
    assert (
        fetched.rows == []
        and "google_ads: OAuth refresh failed: RefreshError" in fetched.failures["google_ads"]
    )
    assert "revoked" in fetched.failures["google_ads"] and "1//revoked" not in fetched.failures["google_ads"]
