"""The learning loop on measured data only: every metrics provider configured (`live`), each API
answering with its recorded, documented response — X (tweepy, responses), Meta, LinkedIn, TikTok,
Pinterest, Threads and Bluesky (httpx, respx), Reddit (praw, responses), GA4 (official client on
requests, responses), Search Console and YouTube Analytics (discovery clients on a recorded httplib2
transport) with Google's token refresh — over the brand's published posts in the warehouse, in prod
(where a simulated or unlabelled row would be refused)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import httpx
import pytest
import responses
import respx

from marketing_engine.analytics import loop
from marketing_engine.brand import load_brand
from marketing_engine.resources.http import reset_provider_bounds
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import CampaignMetric, ContentPerformance, SocialPost

DAY = date(2026, 11, 20)
DID = "did:plc:brand123"
POSTS = {  # platform -> the id its publisher stored (publishing.store.record_outcomes)
    "x": "1850000000000000001",
    "facebook": "123_456",
    "instagram": "17890001",
    "linkedin": "urn:li:share:7001",
    "youtube": "dQw4w9WgXcQ",
    "tiktok": "7301000000000000001",
    "pinterest": "8111",
    "reddit": "1a000",
    "threads": "17900002",
    "bluesky": f"at://{DID}/app.bsky.feed.post/3lbrand000001",
}
SECRETS = {
    "ga4_property_id": "123",
    "google_refresh_token": "g-refresh",
    "google_client_id": "g-client",
    "google_client_secret": "g-secret",
    "search_console_site_url": "sc-domain:brand.example",
    "x_bearer_token": "x-bearer",
    "meta_access_token": "meta-token",
    "linkedin_access_token": "li-token",
    "linkedin_organization_id": "42",
    "tiktok_access_token": "act.1",
    "pinterest_access_token": "pina_1",
    "reddit_client_id": "r-app",
    "reddit_client_secret": "r-secret",
    "threads_token": "TH1",
    "bluesky_handle": "brand.example",
    "bluesky_app_password": "app-pw",
}


class GoogleHttp:
    """The httplib2 transport under the discovery clients: Google's token endpoint, Search
    Console's searchAnalytics.query and YouTube Analytics' reports.query, by URL."""

    timeout = None

    def __init__(self) -> None:
        self.sent: list[str] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
        import httplib2

        self.sent.append(uri)
        if uri.startswith("https://oauth2.googleapis.com/token"):
            payload: dict = {"access_token": "ya29.sc", "expires_in": 3599, "token_type": "Bearer"}
        elif "searchAnalytics/query" in uri:
            payload = {
                "rows": [
                    {
                        "keys": ["https://brand.example/"],
                        "clicks": 12,
                        "impressions": 300,
                        "ctr": 0.04,
                        "position": 5.5,
                    }
                ]
            }
        else:
            names = ("video", "views", "likes", "comments", "shares")
            payload = {
                "columnHeaders": [{"name": n, "columnType": "METRIC", "dataType": "INTEGER"} for n in names],
                "rows": [[POSTS["youtube"], 1200, 80, 9, 11]],
            }
        return httplib2.Response({"status": "200", "content-type": "application/json"}), json.dumps(
            payload
        ).encode()


def _seed(warehouse: Warehouse, brand: str) -> None:
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    rows = [
        {
            "brand": brand,
            "platform": platform,
            "content_ref": f"page:guide-{platform}",
            "variant": "main",
            "body": f"Why does our guide answer the question every {platform} reader asks?",
            "idempotency_key": f"{brand}-{platform}",
            "state": "published",
            "media_keys": [],
            "attempts": 1,
            "scheduled_at": at,
            "published_at": at,
            "platform_post_id": post_id,
        }
        for platform, post_id in POSTS.items()
    ]
    with warehouse.session() as session:
        upsert(session, SocialPost, rows, keys=["idempotency_key"])


def _record_httpx() -> None:
    def insights(**values: int) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "data": [
                    {"name": k, "period": "lifetime", "values": [{"value": v}]} for k, v in values.items()
                ]
            },
        )

    graph = "https://graph.facebook.com/v21.0"
    respx.get(f"{graph}/{POSTS['facebook']}/insights").mock(
        return_value=insights(post_impressions=900, post_clicks=12, post_reactions_by_type_total=33)
    )
    respx.get(f"{graph}/{POSTS['instagram']}/insights").mock(
        return_value=insights(reach=1500, total_interactions=75)
    )
    respx.get(f"https://graph.threads.net/v1.0/{POSTS['threads']}/insights").mock(
        return_value=insights(views=3000, likes=120, replies=14, reposts=9, quotes=2)
    )
    stats = {"impressionCount": 1000, "clickCount": 30, "likeCount": 25, "commentCount": 3, "shareCount": 2}
    respx.get(url__startswith="https://api.linkedin.com/rest/organizationalEntityShareStatistics").mock(
        return_value=httpx.Response(
            200, json={"elements": [{"share": POSTS["linkedin"], "totalShareStatistics": stats}]}
        )
    )
    video = {
        "id": POSTS["tiktok"],
        "view_count": 5000,
        "like_count": 300,
        "comment_count": 20,
        "share_count": 30,
    }
    respx.post("https://open.tiktokapis.com/v2/video/query/").mock(
        return_value=httpx.Response(
            200, json={"data": {"videos": [video]}, "error": {"code": "ok", "message": ""}}
        )
    )
    pin = {"IMPRESSION": 2400, "SAVE": 31, "PIN_CLICK": 45, "OUTBOUND_CLICK": 18}
    respx.get(f"https://api.pinterest.com/v5/pins/{POSTS['pinterest']}/analytics").mock(
        return_value=httpx.Response(
            200,
            json={
                "all": {"daily_metrics": [{"data_status": "READY", "metrics": pin}], "summary_metrics": pin}
            },
        )
    )
    xrpc = "https://bsky.social/xrpc"
    respx.post(f"{xrpc}/com.atproto.server.createSession").mock(
        return_value=httpx.Response(200, json={"did": DID, "accessJwt": "AJ", "refreshJwt": "RJ"})
    )
    counts = {"likeCount": 40, "repostCount": 6, "replyCount": 3, "quoteCount": 1}
    respx.get(f"{xrpc}/app.bsky.feed.getPosts").mock(
        return_value=httpx.Response(200, json={"posts": [{"uri": POSTS["bluesky"], **counts}]})
    )
    respx.get(f"{xrpc}/app.bsky.actor.getProfile").mock(
        return_value=httpx.Response(200, json={"did": DID, "followersCount": 1000})
    )


def _record_requests(mock: responses.RequestsMock) -> None:
    mock.post("https://oauth2.googleapis.com/token", json={"access_token": "ya29.ga4", "expires_in": 3599})
    mock.post(
        "https://analyticsdata.googleapis.com/v1beta/properties/123:runReport",
        json={
            "dimensionHeaders": [{"name": "sessionDefaultChannelGroup"}],
            "metricHeaders": [{"name": n} for n in ("sessions", "keyEvents", "totalRevenue")],
            "rows": [
                {
                    "dimensionValues": [{"value": "Organic Social"}],
                    "metricValues": [{"value": v} for v in ("310", "6", "820.5")],
                }
            ],
            "rowCount": 1,
        },
    )
    public = {
        "impression_count": 2500,
        "like_count": 40,
        "reply_count": 2,
        "retweet_count": 3,
        "quote_count": 1,
    }
    mock.get(
        "https://api.twitter.com/2/tweets",
        json={
            "data": [
                {
                    "id": POSTS["x"],
                    "text": "…",
                    "edit_history_tweet_ids": [POSTS["x"]],
                    "public_metrics": public,
                }
            ]
        },
    )
    mock.post(
        "https://www.reddit.com/api/v1/access_token",
        json={"access_token": "ra", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
    )
    submission = {"id": POSTS["reddit"], "name": f"t3_{POSTS['reddit']}", "score": 57, "num_comments": 23}
    mock.get(
        "https://oauth.reddit.com/api/info/",
        json={
            "kind": "Listing",
            "data": {"children": [{"kind": "t3", "data": {**submission, "subreddit_subscribers": 40_000}}]},
        },
    )


@pytest.mark.parametrize("brand_file", ["brand.example.yaml", "examples/tasca-da-conceicao.yaml"])
@respx.mock
def test_every_provider_measures_the_published_posts_and_the_loop_learns_from_them(
    brand_file, tmp_path, monkeypatch
):
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")  # a simulated row would be refused
    reset_provider_bounds()
    profile = load_brand(brand_file)
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    _seed(warehouse, profile.slug)
    google_http = GoogleHttp()
    monkeypatch.setattr("googleapiclient.http.build_http", lambda: google_http)
    _record_httpx()
    request = MetricsRequest(profile.slug, DAY, list(profile.enabled_channels), [], list(profile.seed_topics))
    live = MetricsResource(backend="live", **SECRETS).client()
    assert len(live.providers) == 11
    with responses.RequestsMock() as mock:
        _record_requests(mock)
        journeys, channel_rows = loop.measure_journeys(warehouse, live, request)
        measured = loop.measure_posts(warehouse, live, request, run_id=None)

    assert journeys == []  # the APIs report aggregates; journeys come from an export
    assert {(r["content_ref"], r["metric"], r["value"]) for r in channel_rows} >= {
        ("channel:Organic Social", "sessions", 310.0),
        ("channel:Organic Social", "totalRevenue", 820.5),
    }
    by_platform = {r["platform"]: r for r in measured.rows}
    assert sorted(by_platform) == sorted(POSTS)  # every published post, measured by its platform's API
    assert {p: (r["impressions"], r["engagements"], r["clicks"]) for p, r in by_platform.items()} == {
        "x": (2500, 46, 0),
        "facebook": (900, 45, 12),
        "instagram": (1500, 75, 0),
        "linkedin": (1000, 60, 30),
        "youtube": (1200, 100, 0),
        "tiktok": (5000, 350, 0),
        "pinterest": (2400, 94, 18),
        "reddit": (0, 80, 0),  # Reddit reports no impressions
        "threads": (3000, 145, 0),
        "bluesky": (0, 50, 0),  # nor does Bluesky
    }
    assert by_platform["reddit"]["engagement_rate"] == pytest.approx(80 / 40_000)
    assert by_platform["bluesky"]["engagement_rate"] == pytest.approx(50 / 1000)
    assert "simulator" not in {r["source"] for r in measured.rows}
    assert {(p["content_ref"], p["metric"], p["value"]) for p in measured.page_metrics} == {
        ("https://brand.example/", "clicks", 12.0),
        ("https://brand.example/", "impressions", 300.0),
        ("https://brand.example/", "ctr", 0.04),
        ("https://brand.example/", "position", 5.5),
    }
    assert google_http.sent[0].startswith(
        "https://oauth2.googleapis.com/token"
    )  # refreshed before the first call

    stored = loop._frame(warehouse, ContentPerformance, profile.slug)
    assert len(stored) == 10 and set(stored["source"]) == {
        "x", "meta", "linkedin", "youtube", "tiktok", "pinterest", "reddit", "threads", "bluesky"
    }  # fmt: skip
    allocations = loop.bandit_allocations(stored, profile.slug)
    assert {row["platform"] for row in allocations} == set(POSTS)
    with warehouse.session() as session:
        sources = {row.source for row in session.query(CampaignMetric).filter_by(brand=profile.slug)}
    assert "simulator" not in sources and sources
    warehouse.dispose()
