"""Real metrics providers at the HTTP layer: X public metrics (responses), Meta and LinkedIn (respx),
Search Console and YouTube Analytics (recorded httplib2). GA4 and Google's token refresh:
test_analytics_google_auth.py; TikTok, Pinterest, Reddit, Threads, Bluesky: test_analytics_post_providers.py."""

from datetime import date

import httpx
import pytest
import respx

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsError, MetricsRequest

DAY = date(2026, 11, 20)
REQUEST = MetricsRequest(brand="kestrel-cycles", day=DAY, channels=["x"], products=[("Cargo", 3899.0)])


def test_missing_credentials_name_the_setting():
    with pytest.raises(MetricsError, match="GA4_PROPERTY_ID"):
        MetricsResource(backend="ga4").client()
    with pytest.raises(MetricsError, match="X_BEARER_TOKEN"):
        MetricsResource(backend="x").client()


X_URL = "https://api.twitter.com/2/tweets"


def test_x_public_metrics_become_post_metrics():
    import responses

    posts = [
        {
            "content_ref": "post-1",
            "platform": "x",
            "platform_post_id": "1850000000000000001",
            "hook": "question",
            "hour": 9,
            "weekday": "tue",
            "topic": "cargo e-bike",
            "length": 120,
        },
        {
            "content_ref": "post-2",
            "platform": "x",
            "platform_post_id": "1850000000000000002",
            "hook": "story",
            "hour": 18,
            "weekday": "tue",
            "topic": "cargo e-bike",
            "length": 200,
        },
        {
            "content_ref": "post-3",
            "platform": "linkedin",
            "platform_post_id": "urn:li:share:1",
            "hook": "story",
            "hour": 8,
            "weekday": "tue",
            "topic": "cargo e-bike",
            "length": 300,
        },
    ]
    payload = {
        "data": [
            {
                "id": "1850000000000000001",
                "text": "Is your commute…",
                "edit_history_tweet_ids": ["1"],
                "public_metrics": {
                    "retweet_count": 3,
                    "reply_count": 2,
                    "like_count": 40,
                    "quote_count": 1,
                    "bookmark_count": 4,
                    "impression_count": 2500,
                },
            }
        ],
        "errors": [
            {
                "value": "1850000000000000002",
                "detail": "Could not find tweet",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ],
    }
    with responses.RequestsMock() as mock:
        mock.get(X_URL, json=payload)
        measured = MetricsResource(backend="x", x_bearer_token="bearer").client().post_metrics(REQUEST, posts)
        sent = mock.calls[0].request
    assert "ids=1850000000000000001%2C1850000000000000002" in sent.url
    assert "tweet.fields=public_metrics" in sent.url
    assert sent.headers["Authorization"] == "Bearer bearer"
    assert len(measured) == 1
    assert measured[0]["impressions"] == 2500 and measured[0]["engagements"] == 50
    assert measured[0]["engagement_rate"] == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("status", "match"), [(429, "x: HTTP 429: rate limited"), (401, "x: HTTP 401: Unauthorized")]
)
def test_x_errors_become_provider_errors(status, match):
    import responses

    body = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    with responses.RequestsMock() as mock:
        mock.get(X_URL, status=status, json=body)
        with pytest.raises(ProviderError, match=match):
            MetricsResource(backend="x", x_bearer_token="bearer").client().public_metrics(["1"])


GRAPH = "https://graph.facebook.com/v21.0"


def _insights(pairs: dict) -> dict:
    return {
        "data": [
            {"name": k, "period": "lifetime", "values": [{"value": v}], "title": k, "id": f"1/insights/{k}"}
            for k, v in pairs.items()
        ]
    }


@respx.mock
def test_meta_insights_for_facebook_posts_and_instagram_media():
    facebook = respx.get(f"{GRAPH}/123_456/insights").mock(
        return_value=httpx.Response(
            200,
            json=_insights(
                {
                    "post_impressions": 900,
                    "post_clicks": 12,
                    "post_reactions_by_type_total": {"like": 30, "love": 3},
                }
            ),
        )
    )
    respx.get(f"{GRAPH}/1789/insights").mock(
        return_value=httpx.Response(200, json=_insights({"reach": 1500, "total_interactions": 75}))
    )
    posts = [
        {
            "content_ref": "p1",
            "platform": "facebook",
            "platform_post_id": "123_456",
            "hook": "story",
            "hour": 13,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": 200,
        },
        {
            "content_ref": "p2",
            "platform": "instagram",
            "platform_post_id": "1789",
            "hook": "question",
            "hour": 18,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": 150,
        },
        {
            "content_ref": "p3",
            "platform": "x",
            "platform_post_id": "1",
            "hook": "story",
            "hour": 9,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": 100,
        },
    ]
    backend = MetricsResource(backend="meta", meta_access_token="page-token").client()
    measured = backend.post_metrics(REQUEST, posts)
    assert [(m["platform"], m["impressions"], m["engagements"], m["clicks"]) for m in measured] == [
        ("facebook", 900, 45, 12),
        ("instagram", 1500, 75, 0),
    ]
    sent = facebook.calls[0].request.url.params
    assert sent["metric"] == "post_impressions,post_clicks,post_reactions_by_type_total"
    assert sent["access_token"] == "page-token"
    assert backend.journeys(REQUEST) == []


@respx.mock
def test_meta_graph_errors_name_the_problem():
    respx.get(f"{GRAPH}/999/insights").mock(
        side_effect=[
            httpx.Response(
                400,
                json={
                    "error": {
                        "message": "Error validating access token: Session has expired",
                        "type": "OAuthException",
                        "code": 190,
                        "fbtrace_id": "A1",
                    }
                },
            ),
            httpx.Response(200, json={"data": [{"name": "reach"}]}),
        ]
    )
    backend = MetricsResource(backend="meta", meta_access_token="t").client()
    with pytest.raises(ProviderError, match="meta: HTTP 400: Error validating access token"):
        backend.insights("instagram", "999")
    with pytest.raises(ProviderError, match="malformed insights response"):
        backend.insights("instagram", "999")
    with pytest.raises(ProviderError, match="no insights for platform 'tiktok'"):
        backend.insights("tiktok", "999")
    with pytest.raises(MetricsError, match="META_ACCESS_TOKEN"):
        MetricsResource(backend="meta").client()


def _google_http(*answers: tuple[int, dict]):
    import json

    from googleapiclient.http import HttpMockSequence

    return HttpMockSequence([({"status": str(status)}, json.dumps(body)) for status, body in answers])


def test_search_console_pages_through_rows_per_page():
    from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

    rows = [
        {
            "keys": [f"https://kestrelcycles.example/p{i}"],
            "clicks": i,
            "impressions": 10 * i,
            "ctr": 0.1,
            "position": 4.5,
        }
        for i in range(3)
    ]
    http = _google_http(
        (200, {"rows": rows[:2], "responseAggregationType": "byPage"}),
        (200, {"rows": rows[2:], "responseAggregationType": "byPage"}),
    )
    backend = SearchConsoleBackend("sc-domain:kestrelcycles.example", http=http, row_limit=2)
    pages = backend.page_metrics(DAY)
    assert [p["page"] for p in pages] == [r["keys"][0] for r in rows]
    assert pages[2] == {
        "page": "https://kestrelcycles.example/p2",
        "clicks": 2.0,
        "impressions": 20.0,
        "ctr": 0.1,
        "position": 4.5,
    }
    assert backend.journeys(REQUEST) == [] and backend.post_metrics(REQUEST, []) == []


def test_search_console_permission_error_and_malformed_rows():
    from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

    http = _google_http(
        (
            403,
            {
                "error": {
                    "code": 403,
                    "message": "User does not have sufficient permission for site",
                    "status": "PERMISSION_DENIED",
                }
            },
        ),
        (200, {"rows": [{"keys": []}]}),
    )
    backend = SearchConsoleBackend("sc-domain:kestrelcycles.example", http=http)
    with pytest.raises(
        ProviderError, match="search_console: HTTP 403: User does not have sufficient permission"
    ):
        backend.page_metrics(DAY)
    with pytest.raises(ProviderError, match="malformed searchanalytics response"):
        backend.page_metrics(DAY)


def test_youtube_analytics_video_metrics_become_post_metrics():
    from marketing_engine.resources.metrics.youtube import YouTubeAnalyticsBackend

    table = {
        "kind": "youtubeAnalytics#resultTable",
        "columnHeaders": [
            {"name": n, "columnType": t, "dataType": d}
            for n, t, d in (
                ("video", "DIMENSION", "STRING"),
                ("views", "METRIC", "INTEGER"),
                ("likes", "METRIC", "INTEGER"),
                ("comments", "METRIC", "INTEGER"),
                ("shares", "METRIC", "INTEGER"),
            )
        ],
        "rows": [["dQw4w9WgXcQ", 1200, 80, 9, 11]],
    }
    http = _google_http((200, table), (429, {"error": {"code": 429, "message": "Quota exceeded"}}))
    backend = YouTubeAnalyticsBackend(http=http)
    posts = [
        {
            "content_ref": "v1",
            "platform": "youtube",
            "platform_post_id": "dQw4w9WgXcQ",
            "hook": "story",
            "hour": 17,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": 90,
        },
        {
            "content_ref": "v2",
            "platform": "youtube",
            "platform_post_id": "gone",
            "hook": "story",
            "hour": 17,
            "weekday": "fri",
            "topic": "cargo e-bike",
            "length": 90,
        },
    ]
    measured = backend.post_metrics(REQUEST, posts)
    assert len(measured) == 1 and measured[0]["impressions"] == 1200 and measured[0]["engagements"] == 100
    with pytest.raises(ProviderError, match="youtube_analytics: HTTP 429: Quota exceeded") as caught:
        backend.video_metrics(["dQw4w9WgXcQ"], DAY)
    assert caught.value.retryable
    with pytest.raises(MetricsError, match="GOOGLE_REFRESH_TOKEN"):
        MetricsResource(backend="youtube").client()
    with pytest.raises(MetricsError, match="SEARCH_CONSOLE_SITE_URL"):
        MetricsResource(
            backend="search_console", google_refresh_token="r", google_client_id="i", google_client_secret="s"
        ).client()


LINKEDIN_URL = "https://api.linkedin.com/rest/organizationalEntityShareStatistics"


@respx.mock
def test_linkedin_share_statistics_with_restli_lists_and_headers():
    route = respx.get(url__startswith=LINKEDIN_URL).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "paging": {"count": 10, "start": 0, "links": []},
                    "elements": [
                        {
                            "totalShareStatistics": {
                                "uniqueImpressionsCount": 700,
                                "shareCount": 2,
                                "engagement": 0.05,
                                "clickCount": 30,
                                "likeCount": 25,
                                "impressionCount": 1000,
                                "commentCount": 3,
                            },
                            "share": "urn:li:share:7001",
                            "organizationalEntity": "urn:li:organization:42",
                        }
                    ],
                },
            ),
            httpx.Response(
                401,
                json={
                    "status": 401,
                    "serviceErrorCode": 65600,
                    "code": "INVALID_ACCESS_TOKEN",
                    "message": "Invalid access token",
                },
            ),
            httpx.Response(200, json={"elements": [{"share": "urn:li:share:7001"}]}),
        ]
    )
    backend = MetricsResource(
        backend="linkedin", linkedin_access_token="li", linkedin_organization_id="42"
    ).client()
    posts = [
        {
            "content_ref": "p1",
            "platform": "linkedin",
            "platform_post_id": "urn:li:share:7001",
            "hook": "question",
            "hour": 8,
            "weekday": "tue",
            "topic": "cargo e-bike",
            "length": 300,
        }
    ]
    measured = backend.post_metrics(REQUEST, posts)
    assert (
        measured[0]["impressions"] == 1000
        and measured[0]["engagements"] == 60
        and measured[0]["clicks"] == 30
    )
    sent = route.calls[0].request
    assert sent.headers["X-Restli-Protocol-Version"] == "2.0.0" and sent.headers["LinkedIn-Version"]
    assert "shares=List(urn%3Ali%3Ashare%3A7001)" in str(sent.url)
    assert "organizationalEntity=urn%3Ali%3Aorganization%3A42" in str(sent.url)
    with pytest.raises(ProviderError, match="linkedin: HTTP 401: Invalid access token"):
        backend.share_statistics(["urn:li:share:7001"])
    with pytest.raises(ProviderError, match="malformed share statistics"):
        backend.share_statistics(["urn:li:share:7001"])
    assert backend.share_statistics(["not-a-linkedin-urn"]) == {}
    with pytest.raises(MetricsError, match="LINKEDIN_ORGANIZATION_ID"):
        MetricsResource(backend="linkedin").client()


@respx.mock
def test_live_backend_combines_the_configured_providers():
    import responses

    from marketing_engine.resources.metrics.ga4 import GA4Backend
    from marketing_engine.resources.metrics.live import LiveBackend
    from marketing_engine.resources.metrics.x import XMetricsBackend
    from marketing_engine.resources.metrics.youtube import YouTubeAnalyticsBackend

    assert MetricsResource(backend="live").client().providers == []  # none configured: measures nothing
    google = {"google_refresh_token": "r", "google_client_id": "i", "google_client_secret": "s"}
    live = MetricsResource(backend="live", ga4_property_id="123", x_bearer_token="bearer", **google).client()
    assert isinstance(live, LiveBackend)
    # one Google consent serves GA4 and YouTube Analytics (Search Console also needs its site)
    assert [type(p) for p in live.providers] == [GA4Backend, XMetricsBackend, YouTubeAnalyticsBackend]
    report = {
        "dimensionHeaders": [{"name": "sessionDefaultChannelGroup"}],
        "metricHeaders": [
            {"name": n, "type": "TYPE_FLOAT"} for n in ("sessions", "keyEvents", "totalRevenue")
        ],
        "rows": [
            {
                "dimensionValues": [{"value": "Email"}],
                "metricValues": [{"value": v} for v in ("40", "2", "98.5")],
            }
        ],
        "rowCount": 1,
    }
    with responses.RequestsMock() as mock:
        mock.post("https://oauth2.googleapis.com/token", json={"access_token": "a", "expires_in": 3599})
        mock.post("https://analyticsdata.googleapis.com/v1beta/properties/123:runReport", json=report)
        totals = live.channel_totals(DAY)
    assert [{k: v for k, v in row.items() if k != "source"} for row in totals] == [
        {"channel": "Email", "sessions": 40.0, "keyEvents": 2.0, "totalRevenue": 98.5}
    ]
    assert live.page_metrics(DAY) == [] and live.journeys(REQUEST) == []
    assert live.post_metrics(REQUEST, []) == []


def test_production_resource_uses_env_vars_for_the_secrets_present(monkeypatch):
    from marketing_engine.resources.metrics.base import OPTIONAL_SECRETS, SECRETS
    from marketing_engine.resources.metrics.live import LiveBackend
    from marketing_engine.resources.metrics.x import XMetricsBackend

    for table in (SECRETS, OPTIONAL_SECRETS):
        for name in (env for secrets in table.values() for env in secrets):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("X_BEARER_TOKEN", "from-the-environment")
    resource = MetricsResource.live_from_env()
    assert "from-the-environment" not in repr(resource)  # the value is resolved only at run time
    live = resource.process_config_and_initialize().client()
    assert isinstance(live, LiveBackend) and [type(p) for p in live.providers] == [XMetricsBackend]
    assert live.providers[0].client.bearer_token == "from-the-environment"
