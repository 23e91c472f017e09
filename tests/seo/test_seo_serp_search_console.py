"""Search Console → `serp_positions` at the HTTP layer: google-auth refreshes the OAuth token, then
`searchanalytics.query` (dimensions query and page, the measurement day) answers with recorded rows
of the shape Google documents (https://developers.google.com/webmaster-tools/v1/searchanalytics/query);
what is stored is Search Console's and says so. Without its settings nothing is stored and
`search_console` is reported as not configured; in prod the simulator's positions are refused."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs

import pytest
from dagster import DagsterInstance, materialize
from googleapiclient.http import HttpMockSequence
from sqlalchemy import select

from marketing_engine.assets import seo as seo_assets
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.keyword_ideas import KeywordIdeasResource
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.search_console import SearchConsoleBackend
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import SerpResult
from seo.sitekit import seed_keywords

DAY = date(2026, 11, 27)
SITE = "sc-domain:kestrelcycles.example"
REFRESH = "1//refresh-token-do-not-print"
GOOGLE = {
    "google_refresh_token": REFRESH,
    "google_client_id": "123-abc.apps.example",
    "google_client_secret": "s",
}
TRACKED = ["cargo e-bike portland", "how to carry two kids on a bike", "e-bike tax credit"]
GRANT = {"access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer"}


def _row(query: str, page: str, clicks: int, impressions: int, position: float) -> dict:
    """One searchAnalytics row by (query, page), as Google documents it."""
    keys = [query, f"https://kestrelcycles.example/{page}"]
    return {
        "keys": keys,
        "clicks": clicks,
        "impressions": impressions,
        "ctr": clicks / impressions,
        "position": position,
    }


ROWS = {
    "rows": [
        _row("cargo e-bike portland", "a", 4, 80, 6.4),
        _row("cargo e-bike portland", "b", 1, 30, 3.2),
        _row("how to carry two kids on a bike", "c", 9, 150, 4.0),
        _row("a query nobody tracks", "d", 0, 5, 41.0),
    ],
    "responseAggregationType": "byPage",
}


class RecordedHttp(HttpMockSequence):
    """googleapiclient's recorded httplib2 transport, keeping what was sent (token endpoint and API)."""

    def __init__(self, answers):
        super().__init__([({"status": str(status)}, json.dumps(body)) for status, body in answers])
        self.sent: list[dict] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        self.sent.append({"uri": uri, "method": method, "body": body, "headers": dict(headers or {})})
        return super().request(uri, method, body, headers, redirections, connection_type)


@pytest.fixture
def warehouse_url(tmp_path, engine_home, monkeypatch) -> str:
    monkeypatch.setenv("MARKETING_ENGINE_TODAY", DAY.isoformat())
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    seed_keywords(url, TRACKED)
    return url


def _run(url: str, metrics: MetricsResource):
    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=url),
        "keyword_ideas": KeywordIdeasResource(backend="autocomplete"),  # prod's: it does not measure
        "metrics": metrics,
    }
    return materialize(
        [seo_assets.serp_positions],
        resources=resources,
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _stored(url: str) -> dict[str, tuple]:
    with Warehouse(url).session() as session:
        rows = session.execute(
            select(
                SerpResult.keyword,
                SerpResult.source,
                SerpResult.position,
                SerpResult.url,
                SerpResult.clicks,
                SerpResult.impressions,
                SerpResult.day,
            )
        )
        return {row.keyword: tuple(row)[1:] for row in rows}


def test_prod_positions_come_from_search_console(warehouse_url, monkeypatch):
    import googleapiclient.http

    http = RecordedHttp([(200, GRANT), (200, ROWS)])
    monkeypatch.setattr(googleapiclient.http, "build_http", lambda: http)
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    result = _run(warehouse_url, MetricsResource(backend="live", search_console_site_url=SITE, **GOOGLE))
    assert result.success
    stored = _stored(warehouse_url)
    assert stored == {
        # the best-ranking of the site's pages for the query counts
        "cargo e-bike portland": ("search_console", 3.2, "https://kestrelcycles.example/b", 1, 30, DAY),
        "how to carry two kids on a bike": (
            "search_console",
            4.0,
            "https://kestrelcycles.example/c",
            9,
            150,
            DAY,
        ),
        # tracked, but Search Console showed no page of the site for it: measured as unranked
        "e-bike tax credit": ("search_console", None, None, 0, 0, DAY),
    }
    refresh, query = http.sent
    assert refresh["uri"] == "https://oauth2.googleapis.com/token"
    form = refresh["body"].decode() if isinstance(refresh["body"], bytes) else refresh["body"]
    assert parse_qs(form)["refresh_token"] == [REFRESH]
    assert query["uri"].startswith(
        "https://searchconsole.googleapis.com/webmasters/v3/sites/sc-domain%3Akestrelcycles.example/searchAnalytics/query"
    )
    assert query["headers"]["authorization"] == "Bearer ya29.fresh"
    body = json.loads(query["body"])
    assert body["dimensions"] == ["query", "page"]
    assert (body["startDate"], body["endDate"], body["startRow"]) == (DAY.isoformat(), DAY.isoformat(), 0)
    metadata = result.asset_materializations_for_node("serp_positions")[0].metadata
    assert metadata["sources"].value == "measured: search_console"
    assert metadata["not_configured"].value == [] and metadata["ranked"].value == 2


def test_without_search_console_settings_nothing_is_stored_and_it_is_named(warehouse_url, monkeypatch):
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    result = _run(warehouse_url, MetricsResource(backend="live", **GOOGLE))  # no SEARCH_CONSOLE_SITE_URL
    assert result.success and _stored(warehouse_url) == {}
    metadata = result.asset_materializations_for_node("serp_positions")[0].metadata
    assert metadata["status"].value == "no data"
    assert metadata["sources"].value == "not configured: search_console"
    assert metadata["not_configured"].value == ["search_console"]


def test_prod_refuses_the_simulators_positions(warehouse_url, monkeypatch):
    from marketing_engine.provenance import SimulatedDataRefused

    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
        "keyword_ideas": KeywordIdeasResource(),
        "metrics": MetricsResource(),  # the simulator, misconfigured into prod
    }
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    with pytest.raises(SimulatedDataRefused, match="serp_results: refused 3 simulated of 3 rows"):
        seo_assets.serp_positions(**resources)  # called directly: the step's retries would wait 30 s
    assert _stored(warehouse_url) == {}
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "local")
    seo_assets.serp_positions(**resources)
    assert {row[0] for row in _stored(warehouse_url).values()} == {"simulator"}


def test_a_malformed_search_console_answer_is_refused():
    token = OAuthToken(None, REFRESH, GOOGLE["google_client_id"], "s")
    keyless = {
        "rows": [
            {"keys": ["cargo e-bike portland"], "clicks": 1, "impressions": 2, "ctr": 0.5, "position": 3}
        ]
    }
    for answer in (keyless, {"rows": [{"keys": ["q", "https://x.example/"], "clicks": "many"}]}):
        http = RecordedHttp([(200, GRANT), (200, answer)])
        with pytest.raises(ProviderError, match="search_console: malformed searchanalytics response"):
            SearchConsoleBackend(SITE, token, http=http).query_positions(DAY)
