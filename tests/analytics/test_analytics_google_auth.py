"""Google's metrics providers on refreshing credentials (google-auth), at the HTTP layer.

Search Console and YouTube Analytics go through google-api-python-client on google-auth-httplib2's
AuthorizedHttp, over a recorded httplib2 transport that serves Google's token endpoint and the API
alike; GA4 goes through the official `google-analytics-data` client on its REST transport
(requests), recorded with `responses`. Token answers follow
https://developers.google.com/identity/protocols/oauth2/web-server#offline.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import responses
from google_http import RecordedHttp, form, granted

from marketing_engine.resources.http import ProviderError, reset_provider_bounds
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsError, MetricsRequest
from marketing_engine.resources.metrics.ga4 import GA4Backend
from marketing_engine.resources.metrics.search_console import SearchConsoleBackend
from marketing_engine.resources.metrics.youtube import YouTubeAnalyticsBackend
from marketing_engine.resources.platforms.client import OAuthToken

TOKEN_URI = "https://oauth2.googleapis.com/token"
GA4_URL = "https://analyticsdata.googleapis.com/v1beta/properties/123:runReport"
DAY = date(2026, 11, 20)
REQUEST = MetricsRequest(brand="kestrel-cycles", day=DAY, channels=["x"], products=[("Cargo", 3899.0)])
SECRET = "client-secret-do-not-print"
REFRESH = "1//refresh-token-do-not-print"
GOOGLE = {
    "google_refresh_token": REFRESH,
    "google_client_id": "123-abc.apps.googleusercontent.com",
    "google_client_secret": SECRET,
}


@pytest.fixture(autouse=True)
def _fresh_bounds():
    reset_provider_bounds()
    yield
    reset_provider_bounds()


SC_ROWS = {
    "rows": [
        {
            "keys": ["https://kestrelcycles.example/"],
            "clicks": 7,
            "impressions": 90,
            "ctr": 0.08,
            "position": 3.2,
        }
    ],
    "responseAggregationType": "byPage",
}


def test_search_console_refreshes_the_missing_token_before_its_first_call():
    http = RecordedHttp((200, granted("https://www.googleapis.com/auth/webmasters.readonly")), (200, SC_ROWS))
    token = OAuthToken(None, REFRESH, GOOGLE["google_client_id"], SECRET)
    pages = SearchConsoleBackend("sc-domain:kestrelcycles.example", token, http=http).page_metrics(DAY)
    assert pages == [
        {
            "page": "https://kestrelcycles.example/",
            "clicks": 7.0,
            "impressions": 90.0,
            "ctr": 0.08,
            "position": 3.2,
        }
    ]
    refresh, query = http.sent
    assert (refresh["method"], refresh["uri"]) == ("POST", TOKEN_URI)
    assert form(refresh["body"]) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": GOOGLE["google_client_id"],
        "client_secret": SECRET,
        "scope": "https://www.googleapis.com/auth/webmasters.readonly",
    }
    assert query["uri"].startswith(
        "https://searchconsole.googleapis.com/webmasters/v3/sites/sc-domain%3Akestrelcycles.example/searchAnalytics/query"
    )
    assert query["headers"]["authorization"] == "Bearer ya29.fresh"


YT_TABLE = {
    "kind": "youtubeAnalytics#resultTable",
    "columnHeaders": [
        {"name": n, "columnType": t, "dataType": "INTEGER" if t == "METRIC" else "STRING"}
        for n, t in (("video", "DIMENSION"), ("views", "METRIC"), ("likes", "METRIC"))
        + (("comments", "METRIC"), ("shares", "METRIC"))
    ],
    "rows": [["dQw4w9WgXcQ", 1200, 80, 9, 11]],
}


def test_youtube_answers_401_then_the_token_is_refreshed_and_the_call_repeated():
    unauthorized = {"error": {"code": 401, "message": "Request had invalid authentication credentials."}}
    http = RecordedHttp(
        (401, unauthorized),
        (200, granted("https://www.googleapis.com/auth/yt-analytics.readonly", "ya29.second")),
        (200, YT_TABLE),
    )
    token = OAuthToken("ya29.stale", REFRESH, GOOGLE["google_client_id"], SECRET)
    measured = YouTubeAnalyticsBackend(token, http=http).video_metrics(["dQw4w9WgXcQ"], DAY)
    assert measured == {"dQw4w9WgXcQ": {"impressions": 1200, "engagements": 100}}
    first, refresh, again = http.sent
    assert first["headers"]["authorization"] == "Bearer ya29.stale"
    assert refresh["uri"] == TOKEN_URI and form(refresh["body"])["grant_type"] == "refresh_token"
    assert form(refresh["body"])["scope"] == "https://www.googleapis.com/auth/yt-analytics.readonly"
    assert again["headers"]["authorization"] == "Bearer ya29.second"
    assert again["uri"] == first["uri"] and "filters=video%3D%3DdQw4w9WgXcQ" in again["uri"]


def test_a_refused_refresh_token_names_the_setting_and_never_the_secrets():
    http = RecordedHttp(
        (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    )
    token = OAuthToken(None, REFRESH, GOOGLE["google_client_id"], SECRET)
    with pytest.raises(ProviderError) as caught:
        SearchConsoleBackend("sc-domain:kestrelcycles.example", token, http=http).page_metrics(DAY)
    message = str(caught.value)
    assert message.startswith(
        "search_console: Google refused the OAuth token refresh (invalid_grant: Token has"
    )
    assert "GOOGLE_REFRESH_TOKEN" in message and "GOOGLE_CLIENT_SECRET" in message
    assert REFRESH not in message and SECRET not in message and "refresh-token" not in message
    assert caught.value.code == "invalid_grant" and not caught.value.retryable
    assert len(http.sent) == 1  # a refused grant is not tried again


def test_google_providers_need_the_refresh_token_and_oauth_client():
    with pytest.raises(
        MetricsError, match="GOOGLE_REFRESH_TOKEN and GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET"
    ):
        MetricsResource(backend="youtube").client()
    with pytest.raises(MetricsError, match="SEARCH_CONSOLE_SITE_URL"):
        MetricsResource(backend="search_console", **GOOGLE).client()
    with pytest.raises(MetricsError, match="GA4_PROPERTY_ID"):
        MetricsResource(backend="ga4", **GOOGLE).client()
    backends = [
        MetricsResource(
            backend=name, **GOOGLE, ga4_property_id="1", search_console_site_url="sc-domain:a.example"
        )
        for name in ("ga4", "search_console", "youtube")
    ]
    built = [b.client() for b in backends]
    assert [type(b) for b in built] == [GA4Backend, SearchConsoleBackend, YouTubeAnalyticsBackend]
    credentials = built[0].client._transport._credentials
    assert credentials.token is None and credentials.refresh_token == REFRESH
    assert credentials.scopes == ["https://www.googleapis.com/auth/analytics.readonly"]


def _report(rows: list[tuple[str, int, int, float]], total: int) -> dict:
    return {
        "dimensionHeaders": [{"name": "sessionDefaultChannelGroup"}],
        "metricHeaders": [
            {"name": "sessions", "type": "TYPE_INTEGER"},
            {"name": "keyEvents", "type": "TYPE_FLOAT"},
            {"name": "totalRevenue", "type": "TYPE_CURRENCY"},
        ],
        "rows": [
            {
                "dimensionValues": [{"value": c}],
                "metricValues": [{"value": str(s)}, {"value": str(k)}, {"value": str(r)}],
            }
            for c, s, k, r in rows
        ],
        "rowCount": total,
        "metadata": {"currencyCode": "EUR", "timeZone": "Europe/Lisbon"},
        "kind": "analyticsData#runReport",
    }


def _ga4(page_size: int = 10_000) -> GA4Backend:
    backend = MetricsResource(backend="ga4", ga4_property_id="123", **GOOGLE).client()
    backend.page_size = page_size
    return backend


def test_ga4_official_client_refreshes_then_pages_through_row_count():
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URI, json=granted("https://www.googleapis.com/auth/analytics.readonly"))
        mock.post(GA4_URL, json=_report([("Organic Search", 120, 4, 580.0), ("Email", 40, 2, 98.5)], 3))
        mock.post(GA4_URL, json=_report([("Paid Social", 15, 0, 0.0)], 3))
        backend = _ga4(page_size=2)
        rows = backend.channel_totals(DAY)
        calls = [(c.request.method, c.request.url.split("?")[0]) for c in mock.calls]
        sent = [c.request for c in mock.calls]
    assert [r["channel"] for r in rows] == ["Organic Search", "Email", "Paid Social"]
    assert rows[0] == {
        "channel": "Organic Search",
        "sessions": 120.0,
        "keyEvents": 4.0,
        "totalRevenue": 580.0,
    }
    assert calls == [("POST", TOKEN_URI), ("POST", GA4_URL), ("POST", GA4_URL)]  # one refresh for both pages
    assert form(sent[0].body)["refresh_token"] == REFRESH
    first, second = (json.loads(request.body) for request in sent[1:])
    assert first["dateRanges"] == [{"startDate": "2026-11-20", "endDate": "2026-11-20"}]
    assert first["dimensions"] == [{"name": "sessionDefaultChannelGroup"}]
    assert [m["name"] for m in first["metrics"]] == ["sessions", "keyEvents", "totalRevenue"]
    assert (int(first["limit"]), int(first.get("offset", 0)), int(second["offset"])) == (2, 0, 2)
    assert sent[1].headers["Authorization"] == "Bearer ya29.fresh"
    assert sent[1].url.endswith("?%24alt=json%3Benum-encoding%3Dint")  # the REST transport's own query
    assert backend.journeys(REQUEST) == [] and backend.post_metrics(REQUEST, []) == []


def test_ga4_401_refreshes_and_repeats_and_429_waits_as_asked():
    unauthenticated = {
        "error": {
            "code": 401,
            "message": "Request had invalid authentication credentials.",
            "status": "UNAUTHENTICATED",
        }
    }
    quota = {"error": {"code": 429, "message": "Exhausted property tokens", "status": "RESOURCE_EXHAUSTED"}}
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URI, json=granted("https://www.googleapis.com/auth/analytics.readonly", "ya29.one"))
        mock.post(GA4_URL, status=401, json=unauthenticated)
        mock.post(TOKEN_URI, json=granted("https://www.googleapis.com/auth/analytics.readonly", "ya29.two"))
        mock.post(GA4_URL, status=429, json=quota, headers={"Retry-After": "0"})
        mock.post(GA4_URL, json=_report([("Direct", 10, 1, 89.0)], 1))
        rows = _ga4().channel_totals(DAY)
        sent = [(c.request.url.split("?")[0], c.request.headers.get("Authorization")) for c in mock.calls]
    assert rows == [{"channel": "Direct", "sessions": 10.0, "keyEvents": 1.0, "totalRevenue": 89.0}]
    assert sent == [
        (TOKEN_URI, None),
        (GA4_URL, "Bearer ya29.one"),
        (TOKEN_URI, None),
        (GA4_URL, "Bearer ya29.two"),
        (GA4_URL, "Bearer ya29.two"),
    ]


def test_ga4_permission_error_malformed_rows_and_refused_refresh():
    denied = {
        "error": {
            "code": 403,
            "message": "User does not have sufficient permissions for this property.",
            "status": "PERMISSION_DENIED",
        }
    }
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URI, json=granted("https://www.googleapis.com/auth/analytics.readonly"))
        mock.post(GA4_URL, status=403, json=denied)
        mock.post(GA4_URL, json={"rows": [{"dimensionValues": []}], "metricHeaders": [], "rowCount": 1})
        backend = _ga4()
        with pytest.raises(
            ProviderError, match="ga4: HTTP 403: User does not have sufficient permissions"
        ) as caught:
            backend.channel_totals(DAY)
        assert not caught.value.retryable
        with pytest.raises(ProviderError, match="malformed runReport response"):
            backend.channel_totals(DAY)
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URI, status=400, json={"error": "invalid_grant", "error_description": "Bad Request"})
        with pytest.raises(
            ProviderError, match=r"ga4: Google refused the OAuth token refresh \(invalid_grant"
        ) as caught:
            _ga4().channel_totals(DAY)
    assert REFRESH not in str(caught.value) and SECRET not in str(caught.value)
