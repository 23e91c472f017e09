"""Post metrics of TikTok, Pinterest, Threads and Bluesky (respx: their httpx clients) and Reddit
(responses: praw on requests), against each API's documented request and answer shapes: batching,
token refresh, rate limits through the retry policy, and the answers that must fail by name."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from marketing_engine.resources.http import ProviderError, reset_provider_bounds
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsError, MetricsRequest

DAY = date(2026, 11, 20)
REQUEST = MetricsRequest(brand="kestrel-cycles", day=DAY, channels=["tiktok"], products=[("Cargo", 3899.0)])


@pytest.fixture(autouse=True)
def _fresh_bounds():
    reset_provider_bounds()
    yield
    reset_provider_bounds()


def post(platform: str, post_id: str | None, ref: str = "p1") -> dict:
    return {
        "content_ref": ref,
        "platform": platform,
        "platform_post_id": post_id,
        "hook": "question",
        "hour": 9,
        "weekday": "fri",
        "topic": "cargo e-bike",
        "length": 120,
    }


def _refreshing(platform: str, client: str = "client_id"):
    """The platform's provider with an access token and everything its refresh needs."""
    settings = {
        "access_token": "old",
        "refresh_token": "refresh-1",
        client: "app",
        "client_secret": "app-secret",
    }
    return MetricsResource(backend=platform, **{f"{platform}_{k}": v for k, v in settings.items()}).client()


def _shape(rows: list[dict]) -> list[tuple]:
    return [
        (
            r["content_ref"],
            r["impressions"],
            r["engagements"],
            r["clicks"],
            round(r["engagement_rate"], 4),
            r["source"],
        )
        for r in rows
    ]


# --- TikTok: Display API video/query --------------------------------------------------------------

TIKTOK_QUERY = "https://open.tiktokapis.com/v2/video/query/"
TIKTOK_TOKEN = "https://open.tiktokapis.com/v2/oauth/token/"


def _videos(*videos: dict, code: str = "ok", message: str = "") -> dict:
    return {
        "data": {"videos": list(videos), "cursor": 0, "has_more": False},
        "error": {"code": code, "message": message, "log_id": "20261120101010"},
    }


def _video(video_id: str, views: int, likes: int, comments: int, shares: int) -> dict:
    return {
        "id": video_id,
        "view_count": views,
        "like_count": likes,
        "comment_count": comments,
        "share_count": shares,
    }


@respx.mock
def test_tiktok_video_counts_in_batches_of_20():
    ids = [str(7_300_000_000_000_000_000 + i) for i in range(21)]
    route = respx.post(TIKTOK_QUERY).mock(
        side_effect=[
            httpx.Response(200, json=_videos(_video(ids[0], 5000, 300, 20, 30))),
            httpx.Response(200, json=_videos(_video(ids[20], 80, 4, 0, 1))),
        ]
    )
    posts = [post("tiktok", i, f"t{n}") for n, i in enumerate(ids)]
    posts += [
        post("tiktok", "v_pub_file~v2-1.7301", "unpublished"),
        post("x", "1", "x1"),
        post("tiktok", None),
    ]
    backend = MetricsResource(backend="tiktok", tiktok_access_token="act.1").client()
    rows = backend.post_metrics(REQUEST, posts)
    assert _shape(rows) == [("t0", 5000, 350, 0, 0.07, "tiktok"), ("t20", 80, 5, 0, 0.0625, "tiktok")]
    first, second = (call.request for call in route.calls)
    assert first.url.params["fields"] == "id,view_count,like_count,comment_count,share_count"
    assert first.headers["authorization"] == "Bearer act.1"
    import json

    assert json.loads(first.content) == {"filters": {"video_ids": ids[:20]}}
    assert json.loads(second.content) == {"filters": {"video_ids": ids[20:]}}  # the publish id is not asked
    assert backend.journeys(REQUEST) == []


@respx.mock
def test_tiktok_expired_token_is_refreshed_once_and_rate_limits_wait():
    expired = {
        "error": {"code": "access_token_invalid", "message": "The access token is invalid or not found."}
    }
    limited = {"error": {"code": "rate_limit_exceeded", "message": "Rate limit exceeded."}}
    query = respx.post(TIKTOK_QUERY).mock(
        side_effect=[
            httpx.Response(401, json=expired),
            httpx.Response(429, json=limited, headers={"Retry-After": "0"}),
            httpx.Response(200, json=_videos(_video("7301", 900, 50, 5, 5))),
        ]
    )
    token = respx.post(TIKTOK_TOKEN).mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "act.2",
                "expires_in": 86400,
                "open_id": "u1",
                "refresh_expires_in": 31536000,
                "refresh_token": "rft.2",
                "scope": "user.info.basic,video.list",
                "token_type": "Bearer",
            },
        )
    )
    backend = _refreshing("tiktok", "client_key")
    assert backend.video_counts(["7301"]) == {"7301": {"impressions": 900, "engagements": 60}}
    form = parse_qs(token.calls[0].request.content.decode())
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["refresh-1"]
    assert [c.request.headers["authorization"] for c in query.calls] == [
        "Bearer old",
        "Bearer act.2",
        "Bearer act.2",
    ]
    assert backend.api.token.refresh == "rft.2"


@respx.mock
def test_tiktok_failures_are_named():
    expired = {
        "error": {"code": "access_token_invalid", "message": "The access token is invalid or not found."}
    }
    respx.post(TIKTOK_QUERY).mock(
        side_effect=[
            httpx.Response(401, json=expired),
            httpx.Response(200, json=_videos(code="scope_not_authorized", message="video.list not granted")),
            httpx.Response(200, json={"data": {"videos": [{"view_count": 3}]}, "error": {"code": "ok"}}),
            httpx.Response(401, json=expired),
        ]
    )
    respx.post(TIKTOK_TOKEN).mock(
        return_value=httpx.Response(
            200, json={"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."}
        )
    )
    alone = MetricsResource(backend="tiktok", tiktok_access_token="act.1").client()
    with pytest.raises(
        ProviderError, match="tiktok: HTTP 401: .*cannot be refreshed without TIKTOK_REFRESH_TOKEN"
    ):
        alone.video_counts(["1"])
    with pytest.raises(ProviderError, match="tiktok: HTTP 200: scope_not_authorized: video.list not granted"):
        alone.video_counts(["1"])
    with pytest.raises(ProviderError, match="malformed video/query answer"):
        alone.video_counts(["1"])
    refreshing = _refreshing("tiktok", "client_key")
    with pytest.raises(ProviderError, match="tiktok: token refresh refused: invalid_grant") as caught:
        refreshing.video_counts(["1"])
    assert "refresh-1" not in str(caught.value) and "app-secret" not in str(caught.value)
    with pytest.raises(MetricsError, match="TIKTOK_ACCESS_TOKEN"):
        MetricsResource(backend="tiktok").client()


# --- Pinterest: v5 pin analytics ------------------------------------------------------------------

PINS = "https://api.pinterest.com/v5/pins"


def _pin_analytics(status: str = "READY", **counts: int) -> dict:
    return {
        "all": {
            "daily_metrics": [{"date": "2026-11-20", "data_status": status, "metrics": counts}],
            "summary_metrics": counts,
            "lifetime_metrics": counts,
        }
    }


@respx.mock
def test_pinterest_pin_analytics_become_post_metrics():
    ready = respx.get(f"{PINS}/8111/analytics").mock(
        return_value=httpx.Response(
            200, json=_pin_analytics(IMPRESSION=2400, SAVE=31, PIN_CLICK=45, OUTBOUND_CLICK=18)
        )
    )
    respx.get(f"{PINS}/8112/analytics").mock(
        return_value=httpx.Response(200, json=_pin_analytics("PROCESSING", IMPRESSION=0))
    )
    respx.get(f"{PINS}/8113/analytics").mock(
        return_value=httpx.Response(404, json={"code": 50, "message": "Pin not found."})
    )
    posts = [post("pinterest", "8111", "a"), post("pinterest", "8112", "b"), post("pinterest", "8113", "c")]
    backend = MetricsResource(backend="pinterest", pinterest_access_token="pina_1").client()
    assert _shape(backend.post_metrics(REQUEST, posts)) == [("a", 2400, 94, 18, 0.0392, "pinterest")]
    sent = ready.calls[0].request
    assert dict(sent.url.params) == {
        "start_date": "2026-11-20",
        "end_date": "2026-11-20",
        "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK",
        "app_types": "ALL",
        "split_field": "NO_SPLIT",
    }
    assert sent.headers["authorization"] == "Bearer pina_1"


@respx.mock
def test_pinterest_refreshes_on_401_waits_on_429_and_names_failures():
    unauthorized = {"code": 2, "message": "Authentication failed."}
    analytics = respx.get(f"{PINS}/8111/analytics").mock(
        side_effect=[
            httpx.Response(401, json=unauthorized),
            httpx.Response(429, json={"code": 8, "message": "Rate limited."}, headers={"Retry-After": "0"}),
            httpx.Response(200, json=_pin_analytics(IMPRESSION=10, SAVE=1, PIN_CLICK=0, OUTBOUND_CLICK=1)),
            httpx.Response(401, json=unauthorized),
            httpx.Response(200, json={"all": {"daily_metrics": [{"data_status": "READY"}]}}),
            httpx.Response(403, json={"code": 29, "message": "Not authorized to access this Pin."}),
        ]
    )
    token = respx.post("https://api.pinterest.com/v5/oauth/token").mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "pina_2",
                "token_type": "bearer",
                "expires_in": 2592000,
                "scope": "pins:read",
            },
        )
    )
    refreshing = _refreshing("pinterest")
    assert refreshing.pin_counts("8111", DAY) == {"impressions": 10, "engagements": 2, "clicks": 1}
    assert token.calls[0].request.headers["authorization"].startswith("Basic ")
    assert parse_qs(token.calls[0].request.content.decode())["refresh_token"] == ["refresh-1"]
    assert [c.request.headers["authorization"] for c in analytics.calls] == ["Bearer old"] + [
        "Bearer pina_2"
    ] * 2
    alone = MetricsResource(backend="pinterest", pinterest_access_token="pina_1").client()
    with pytest.raises(ProviderError, match="cannot be refreshed without PINTEREST_REFRESH_TOKEN"):
        alone.pin_counts("8111", DAY)
    with pytest.raises(ProviderError, match="malformed pin analytics"):
        alone.pin_counts("8111", DAY)
    with pytest.raises(ProviderError, match="pinterest: HTTP 403: Not authorized to access this Pin"):
        alone.pin_counts("8111", DAY)
    with pytest.raises(MetricsError, match="PINTEREST_ACCESS_TOKEN"):
        MetricsResource(backend="pinterest").client()


# --- Threads: Graph media insights ----------------------------------------------------------------

THREADS = "https://graph.threads.net/v1.0"


def _insights(**values: int) -> dict:
    return {
        "data": [
            {
                "name": k,
                "period": "lifetime",
                "values": [{"value": v}],
                "title": k,
                "id": f"1/insights/{k}/lifetime",
            }
            for k, v in values.items()
        ]
    }


@respx.mock
def test_threads_insights_refresh_an_expired_token_and_become_post_metrics():
    expired = {
        "error": {
            "message": "Error validating access token: Session has expired",
            "type": "OAuthException",
            "code": 190,
        }
    }
    insights = respx.get(f"{THREADS}/1789/insights").mock(
        side_effect=[
            httpx.Response(400, json=expired),
            httpx.Response(200, json=_insights(views=3000, likes=120, replies=14, reposts=9, quotes=2)),
        ]
    )
    refresh = respx.get("https://graph.threads.net/refresh_access_token").mock(
        return_value=httpx.Response(
            200, json={"access_token": "TH2", "token_type": "bearer", "expires_in": 5183944}
        )
    )
    backend = MetricsResource(backend="threads", threads_token="TH1").client()
    rows = backend.post_metrics(REQUEST, [post("threads", "1789", "t1"), post("instagram", "1789", "i1")])
    assert _shape(rows) == [("t1", 3000, 145, 0, 0.0483, "threads")]
    first, second = (c.request.url.params for c in insights.calls)
    assert first["metric"] == "views,likes,replies,reposts,quotes"
    assert (first["access_token"], second["access_token"]) == ("TH1", "TH2")
    assert dict(refresh.calls[0].request.url.params) == {
        "grant_type": "th_refresh_token",
        "access_token": "TH1",
    }


@respx.mock
def test_threads_rate_limit_and_malformed_insights_are_named():
    respx.get(f"{THREADS}/1789/insights").mock(
        side_effect=[
            httpx.Response(
                400,
                json={
                    "error": {
                        "message": "Application request limit reached",
                        "type": "OAuthException",
                        "code": 4,
                    }
                },
            ),
            httpx.Response(200, json={"data": [{"name": "views"}]}),
        ]
    )
    backend = MetricsResource(backend="threads", threads_token="TH1").client()
    with pytest.raises(
        ProviderError, match="threads: HTTP 400: Application request limit reached.*asks to wait 300 s"
    ):
        backend.insights("1789")  # Graph's rate limits name no wait: five minutes is over the policy's minute
    with pytest.raises(ProviderError, match="threads: HTTP 200: malformed insights response"):
        backend.insights("1789")
    with pytest.raises(MetricsError, match="THREADS_TOKEN"):
        MetricsResource(backend="threads").client()


# --- Bluesky: app.bsky.feed.getPosts --------------------------------------------------------------

XRPC = "https://bsky.social/xrpc"
DID = "did:plc:kestrel123"


def _uri(rkey: str) -> str:
    return f"at://{DID}/app.bsky.feed.post/{rkey}"


def _bsky_post(rkey: str, likes: int, reposts: int, replies: int, quotes: int) -> dict:
    return {
        "uri": _uri(rkey),
        "cid": "bafyrei" + rkey,
        "author": {"did": DID, "handle": "kestrel.example"},
        "record": {"$type": "app.bsky.feed.post", "text": "…", "createdAt": "2026-11-20T09:00:00.000Z"},
        "likeCount": likes,
        "repostCount": reposts,
        "replyCount": replies,
        "quoteCount": quotes,
        "indexedAt": "2026-11-20T09:00:01.000Z",
    }


def _session(access: str = "AJ1", refresh: str = "RJ1") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "did": DID,
            "handle": "kestrel.example",
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        },
    )


@respx.mock
def test_bluesky_counts_in_batches_of_25_with_engagement_per_follower():
    respx.post(f"{XRPC}/com.atproto.server.createSession").mock(return_value=_session())
    rkeys = [f"3l{n:011d}" for n in range(26)]
    get_posts = respx.get(f"{XRPC}/app.bsky.feed.getPosts").mock(
        side_effect=[
            httpx.Response(200, json={"posts": [_bsky_post(rkeys[0], 40, 6, 3, 1)]}),
            httpx.Response(200, json={"posts": [_bsky_post(rkeys[25], 2, 0, 0, 0)]}),
        ]
    )
    profile = respx.get(f"{XRPC}/app.bsky.actor.getProfile").mock(
        return_value=httpx.Response(
            200, json={"did": DID, "handle": "kestrel.example", "followersCount": 1000}
        )
    )
    backend = MetricsResource(
        backend="bluesky", bluesky_handle="kestrel.example", bluesky_app_password="app-pw"
    ).client()
    rows = backend.post_metrics(REQUEST, [post("bluesky", _uri(k), f"b{n}") for n, k in enumerate(rkeys)])
    assert _shape(rows) == [("b0", 0, 50, 0, 0.05, "bluesky"), ("b25", 0, 2, 0, 0.002, "bluesky")]
    first, second = (c.request for c in get_posts.calls)
    assert first.url.params.get_list("uris") == [_uri(k) for k in rkeys[:25]]
    assert second.url.params.get_list("uris") == [_uri(rkeys[25])]
    assert first.headers["authorization"] == "Bearer AJ1"
    assert profile.calls[0].request.url.params["actor"] == DID
    assert backend.post_metrics(REQUEST, [post("x", "1")]) == []


@respx.mock
def test_bluesky_expired_session_is_refreshed_or_renewed_and_failures_named():
    expired = httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
    create = respx.post(f"{XRPC}/com.atproto.server.createSession").mock(
        side_effect=[_session(), _session("AJ3", "RJ3")]
    )
    respx.post(f"{XRPC}/com.atproto.server.refreshSession").mock(
        side_effect=[_session("AJ2", "RJ2"), expired]
    )
    get_posts = respx.get(f"{XRPC}/app.bsky.feed.getPosts").mock(
        side_effect=[
            expired,
            httpx.Response(200, json={"posts": [_bsky_post("a", 1, 0, 0, 0)]}),
            expired,
            httpx.Response(200, json={"posts": [_bsky_post("a", 2, 0, 0, 0)]}),
            httpx.Response(200, json={"posts": [{"uri": _uri("a"), "likeCount": "many"}]}),
            httpx.Response(502, text="Bad Gateway"),
        ]
        + [httpx.Response(502, text="Bad Gateway")] * 4
    )
    backend = MetricsResource(
        backend="bluesky", bluesky_handle="kestrel.example", bluesky_app_password="app-pw"
    ).client()
    backend.api.sleep = lambda seconds: None
    assert backend.post_counts([_uri("a")]) == {_uri("a"): 1}  # refreshSession
    assert backend.post_counts([_uri("a")]) == {_uri("a"): 2}  # refresh refused: a new session
    assert [c.request.headers["authorization"] for c in get_posts.calls] == [
        "Bearer AJ1",
        "Bearer AJ2",
        "Bearer AJ2",
        "Bearer AJ3",
    ]
    assert create.call_count == 2
    with pytest.raises(ProviderError, match="malformed getPosts answer"):
        backend.post_counts([_uri("a")])
    with pytest.raises(ProviderError, match="bluesky: HTTP 502: Bad Gateway"):
        backend.post_counts([_uri("a")])
    assert get_posts.call_count == 10  # the policy's four retries of the 502
    with pytest.raises(MetricsError, match="BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"):
        MetricsResource(backend="bluesky").client()


@respx.mock
def test_bluesky_refused_login_is_named():
    respx.post(f"{XRPC}/com.atproto.server.createSession").mock(
        return_value=httpx.Response(
            401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
        )
    )
    backend = MetricsResource(
        backend="bluesky", bluesky_handle="kestrel.example", bluesky_app_password="wrong-pw"
    ).client()
    with pytest.raises(ProviderError, match="bluesky: HTTP 401: Invalid identifier or password") as caught:
        backend.post_metrics(REQUEST, [post("bluesky", _uri("a"))])
    assert caught.value.code == "AuthenticationRequired" and "wrong-pw" not in str(caught.value)


# --- Reddit: praw submissions by fullname ---------------------------------------------------------

REDDIT_TOKEN = "https://www.reddit.com/api/v1/access_token"
REDDIT_INFO = "https://oauth.reddit.com/api/info/"


def _submission(sid: str, score: int, comments: int, members: int) -> dict:
    return {
        "kind": "t3",
        "data": {
            "id": sid,
            "name": f"t3_{sid}",
            "title": f"post {sid}",
            "score": score,
            "num_comments": comments,
            "upvote_ratio": 0.93,
            "subreddit": "ebikes",
            "subreddit_subscribers": members,
            "created_utc": 1763629200.0,
            "permalink": f"/r/ebikes/comments/{sid}/post/",
        },
    }


def _listing(*children: dict) -> dict:
    return {"kind": "Listing", "data": {"after": None, "dist": len(children), "children": list(children)}}


def test_reddit_submissions_in_batches_of_100_with_engagement_per_member():
    import responses

    ids = [f"1a{n:03d}" for n in range(101)]
    with responses.RequestsMock() as mock:
        mock.post(
            REDDIT_TOKEN,
            json={"access_token": "ra", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
        )
        mock.get(
            REDDIT_INFO,
            status=429,
            json={"message": "Too Many Requests", "error": 429},
            headers={"x-ratelimit-reset": "0", "x-ratelimit-remaining": "0", "x-ratelimit-used": "100"},
        )
        mock.get(
            REDDIT_INFO,
            json=_listing(_submission(ids[0], 57, 23, 40_000), _submission(ids[1], -3, 2, 40_000)),
        )
        mock.get(REDDIT_INFO, json=_listing(_submission(ids[100], 4, 0, 800)))
        backend = MetricsResource(backend="reddit", reddit_client_id="app", reddit_client_secret="s").client()
        rows = backend.post_metrics(REQUEST, [post("reddit", i, f"r{n}") for n, i in enumerate(ids)])
        asked = [parse_qs(c.request.url.split("?", 1)[1])["id"][0].split(",") for c in mock.calls[1:]]
        auth = mock.calls[1].request.headers["Authorization"]
    assert _shape(rows) == [
        ("r0", 0, 80, 0, 0.002, "reddit"),
        ("r1", 0, 2, 0, 0.0001, "reddit"),  # a score below zero counts as no votes
        ("r100", 0, 4, 0, 0.005, "reddit"),
    ]
    assert asked[0] == [f"t3_{i}" for i in ids[:100]] and asked[1] == asked[0]  # the 429 was asked again
    assert asked[2] == [f"t3_{ids[100]}"]
    assert auth == "bearer ra"


def test_reddit_failures_are_named():
    import responses

    with responses.RequestsMock() as mock:
        mock.post(
            REDDIT_TOKEN,
            json={"access_token": "ra", "token_type": "bearer", "expires_in": 86400, "scope": "*"},
        )
        mock.get(REDDIT_INFO, status=403, json={"message": "Forbidden", "error": 403})
        bad = _submission("1a000", 5, 1, 100)
        bad["data"]["score"] = "hidden"
        mock.get(REDDIT_INFO, json=_listing(bad))
        backend = MetricsResource(backend="reddit", reddit_client_id="app", reddit_client_secret="s").client()
        with pytest.raises(ProviderError, match="reddit: HTTP 403: Forbidden"):
            backend.submission_counts(["1a000"])
        with pytest.raises(ProviderError, match="malformed submission"):
            backend.submission_counts(["1a000"])
    with pytest.raises(MetricsError, match="REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"):
        MetricsResource(backend="reddit").client()


def test_live_from_env_takes_every_post_provider_and_its_refresh_settings(monkeypatch):
    from marketing_engine.resources.metrics.base import OPTIONAL_SECRETS, SECRETS
    from marketing_engine.resources.metrics.live import LiveBackend

    for table in (SECRETS, OPTIONAL_SECRETS):
        for name in (env for secrets in table.values() for env in secrets):
            monkeypatch.delenv(name, raising=False)
    values = {
        "TIKTOK_ACCESS_TOKEN": "act",
        "TIKTOK_REFRESH_TOKEN": "rft",
        "TIKTOK_CLIENT_KEY": "key",
        "TIKTOK_CLIENT_SECRET": "tsecret",
        "PINTEREST_ACCESS_TOKEN": "pina",
        "REDDIT_CLIENT_ID": "rid",
        "REDDIT_CLIENT_SECRET": "rsecret",
        "THREADS_TOKEN": "th",
        "BLUESKY_HANDLE": "kestrel.example",
        "BLUESKY_APP_PASSWORD": "pw",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    resource = MetricsResource.live_from_env()
    assert not any(value in repr(resource) for value in values.values() if len(value) > 3)
    live = resource.process_config_and_initialize().client()
    assert isinstance(live, LiveBackend)
    assert [p.__module__.rsplit(".", 1)[-1] for p in live.providers] == [
        "tiktok",
        "pinterest",
        "reddit",
        "threads",
        "bluesky",
    ]
    tiktok = live.providers[0].api.token
    assert (tiktok.access, tiktok.refresh, tiktok.client_id, tiktok.client_secret) == (
        "act",
        "rft",
        "key",
        "tsecret",
    )
    assert live.providers[1].api.token.refreshable is False
