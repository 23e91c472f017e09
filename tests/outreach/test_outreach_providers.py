"""Provider clients at the HTTP layer, against the documented request and response shapes: Meta Ad
Library, YouTube Data API, X recent search, Discord invites (respx), Reddit through praw (responses)."""

from __future__ import annotations

import httpx
import pytest
import respx

from marketing_engine.resources.ad_library import AdLibraryClient, AdLibraryResource
from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.social_discovery import (
    DiscordInvites,
    RedditCommunities,
    SocialDiscoveryResource,
    XClient,
    YouTubeClient,
    social_discovery_from_env,
)

GRAPH = "https://graph.facebook.com/v21.0/ads_archive"
YOUTUBE = "https://www.googleapis.com/youtube/v3"
X_SEARCH = "https://api.x.com/2/tweets/search/recent"
INVITES = "https://discord.com/api/v10/invites"


def _answer(url: str, status: int = 200, **response) -> respx.Route:
    """GETs of `url` answered with one response (`json=` or `text=`, `headers=`)."""
    return respx.get(url).mock(return_value=httpx.Response(status, **response))


def _listing(kind: str, things: list[dict], **page) -> dict:
    """Reddit's Listing around `things` of one kind (t3 posts, t5 subreddits), on its last page."""
    return {
        "kind": "Listing",
        "data": {"after": None, **page, "children": [{"kind": kind, "data": t} for t in things]},
    }


def _ad(n: int) -> dict:
    return {
        "id": str(n),
        "page_name": "VoltRide",
        "ad_creative_bodies": [f"Ride more {n}"],
        "ad_creative_link_titles": ["Spring sale"],
        "ad_delivery_start_time": "2026-10-01",
        "ad_snapshot_url": f"https://www.facebook.com/ads/archive/render_ad/?id={n}",
        "publisher_platforms": ["facebook", "instagram"],
    }


@respx.mock
def test_ad_library_follows_paging_and_sends_documented_params() -> None:
    nxt = "https://graph.facebook.com/v21.0/ads_archive?after=abc&access_token=t"
    first = respx.get(GRAPH).mock(
        side_effect=[
            httpx.Response(200, json={"data": [_ad(1), _ad(2)], "paging": {"next": nxt}}),
            httpx.Response(200, json={"data": [_ad(3)], "paging": {}}),
        ]
    )
    ads = AdLibraryClient("t").search("VoltRide", ["US", "CA"])
    assert [a.ad_id for a in ads] == ["1", "2", "3"] and ads[0].platforms == ("facebook", "instagram")
    params = first.calls[0].request.url.params
    assert params["ad_reached_countries"] == '["US", "CA"]' and params["search_terms"] == "VoltRide"
    assert "ad_snapshot_url" in params["fields"] and params["ad_type"] == "ALL"
    assert first.call_count == 2 and first.calls[1].request.url.params["after"] == "abc"


@respx.mock
def test_ad_library_retries_429_then_reports_graph_errors() -> None:
    route = respx.get(GRAPH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}, json={"error": {"message": "slow down"}}),
            httpx.Response(200, json={"data": [_ad(1)]}),
        ]
    )
    assert len(AdLibraryClient("t").search("x")) == 1 and route.call_count == 2
    _answer(
        GRAPH,
        400,
        json={"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
    )
    with pytest.raises(ProviderError, match="HTTP 400: Invalid OAuth access token"):
        AdLibraryClient("bad").search("x")
    _answer(GRAPH, json={"unexpected": True})
    with pytest.raises(ProviderError, match="unexpected response shape"):
        AdLibraryClient("t").search("x")
    _answer(GRAPH, text="<html>maintenance</html>")
    with pytest.raises(ProviderError, match="not JSON"):
        AdLibraryClient("t").search("x")


def test_ad_library_without_token_is_not_configured() -> None:
    resource = AdLibraryResource()
    assert not resource.configured
    with pytest.raises(ProviderError, match="not configured"):
        resource.client()


@respx.mock
def test_youtube_search_then_channel_statistics() -> None:
    search = _answer(
        f"{YOUTUBE}/search",
        json={
            "kind": "youtube#searchListResponse",
            "items": [
                {"id": {"kind": "youtube#channel", "channelId": "UC1"}, "snippet": {"channelId": "UC1"}},
                {"id": {"kind": "youtube#channel", "channelId": "UC2"}, "snippet": {"channelId": "UC2"}},
            ],
        },
    )
    channels = _answer(
        f"{YOUTUBE}/channels",
        json={
            "items": [
                {
                    "id": "UC1",
                    "snippet": {
                        "title": "E-bike Lab",
                        "description": "e-bike reviews. Business: Lab@EbikeLab.example",
                        "customUrl": "@ebikelab",
                    },
                    "statistics": {
                        "subscriberCount": "10000",
                        "viewCount": "600000",
                        "videoCount": "200",
                        "hiddenSubscriberCount": False,
                    },
                },
                {
                    "id": "UC2",
                    "snippet": {"title": "Hidden"},
                    "statistics": {"hiddenSubscriberCount": True, "viewCount": "5", "videoCount": "1"},
                },
            ]
        },
    )
    creators = YouTubeClient("key").channels_for("cargo e-bike", 5)
    assert search.calls[0].request.url.params["type"] == "channel"
    assert channels.calls[0].request.url.params["id"] == "UC1,UC2"
    lab = creators[0]
    assert (lab.handle, lab.followers, lab.engagement_rate) == ("@ebikelab", 10000, 0.3)
    assert lab.contact_email == "lab@ebikelab.example" and creators[1].contact_email is None
    assert creators[1].engagement_rate == 0.0  # hidden subscriber count: no rate, no division by zero


@respx.mock
def test_youtube_quota_error_is_a_provider_error() -> None:
    _answer(
        f"{YOUTUBE}/search",
        403,
        json={
            "error": {
                "code": 403,
                "message": "The request cannot be completed because you have exceeded your quota.",
                "errors": [{"reason": "quotaExceeded"}],
            }
        },
    )
    with pytest.raises(ProviderError, match="exceeded your quota"):
        YouTubeClient("key").channels_for("x")


@respx.mock
def test_x_recent_search_author_engagement() -> None:
    route = _answer(
        X_SEARCH,
        json={
            "data": [
                {
                    "id": "1",
                    "text": "a",
                    "author_id": "u1",
                    "public_metrics": {
                        "like_count": 30,
                        "retweet_count": 5,
                        "reply_count": 5,
                        "quote_count": 0,
                    },
                },
                {
                    "id": "2",
                    "text": "b",
                    "author_id": "u1",
                    "public_metrics": {
                        "like_count": 10,
                        "retweet_count": 0,
                        "reply_count": 0,
                        "quote_count": 0,
                    },
                },
            ],
            "includes": {
                "users": [
                    {
                        "id": "u1",
                        "username": "cargomum",
                        "name": "Cargo Mum",
                        "description": "bikes",
                        "public_metrics": {"followers_count": 1000},
                    }
                ]
            },
            "meta": {"result_count": 2},
        },
    )
    creators = XClient("bearer").authors_for("cargo e-bike")
    request = route.calls[0].request
    assert request.headers["authorization"] == "Bearer bearer"
    assert request.url.params["expansions"] == "author_id" and "-is:retweet" in request.url.params["query"]
    assert [(c.handle, c.followers, c.engagement_rate) for c in creators] == [("cargomum", 1000, 0.025)]


@respx.mock
def test_x_rate_limit_waits_for_the_reset_then_gives_up() -> None:
    _answer(X_SEARCH, 429, headers={"x-rate-limit-reset": "99999999999"}, json={"title": "Too Many Requests"})
    with pytest.raises(ProviderError, match="rate limited"):
        XClient("bearer").authors_for("x")


@respx.mock
def test_discord_invite_with_counts() -> None:
    route = _answer(
        f"{INVITES}/ebike-commuters",
        json={
            "code": "ebike-commuters",
            "guild": {"id": "1", "name": "E-bike Commuters", "description": None},
            "approximate_member_count": 4210,
            "approximate_presence_count": 388,
        },
    )
    server = DiscordInvites().server("https://discord.gg/ebike-commuters")
    assert route.calls[0].request.url.params["with_counts"] == "true"
    assert (server.name, server.members, server.online) == ("E-bike Commuters", 4210, 388)
    _answer(f"{INVITES}/gone", 404, json={"message": "Unknown Invite", "code": 10006})
    with pytest.raises(ProviderError, match="Unknown Invite"):
        DiscordInvites().server("discord.gg/gone")
    _answer(f"{INVITES}/nocounts", json={"code": "nocounts"})
    with pytest.raises(ProviderError, match="no member counts"):
        DiscordInvites().server("nocounts")
    with pytest.raises(ValueError, match="not an invite"):
        DiscordInvites.code("https://discord.gg/")


def test_reddit_through_praw_at_the_http_layer() -> None:
    import praw
    import responses

    listing = _listing(
        "t5",
        [
            {
                "display_name": "ebikes",
                "subscribers": 250000,
                "public_description": "Electric bikes",
                "name": "t5_abc",
                "id": "abc",
                "url": "/r/ebikes/",
            }
        ],
        dist=1,
    )
    posts = _listing(
        "t3",
        [
            {
                "id": f"p{n}",
                "name": f"t3_p{n}",
                "title": "t",
                "created_utc": 1764000000 - n * 21600,
                "subreddit": "ebikes",
            }
            for n in range(5)
        ],
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            "https://www.reddit.com/api/v1/access_token",
            json={"access_token": "tok", "token_type": "bearer", "expires_in": 3600, "scope": "*"},
        )
        mock.get("https://oauth.reddit.com/subreddits/search/", json=listing)
        mock.get("https://oauth.reddit.com/r/ebikes/new", json=posts)
        reddit = praw.Reddit(client_id="id", client_secret="secret", user_agent="test-agent")
        found = RedditCommunities(reddit).for_topic("e-bike", limit=5)
    assert [(c.name, c.members) for c in found] == [("ebikes", 250000)]
    assert found[0].activity_per_day == 5.0  # 5 posts over one day


def test_live_discovery_collects_errors_per_platform(monkeypatch) -> None:
    with respx.mock:
        _answer(f"{INVITES}/abc", 500, json={})
        monkeypatch.setattr("marketing_engine.resources.http.time.sleep", lambda s: None)
        found, errors = SocialDiscoveryResource(backend="live").communities(["e-bike"], [], ["abc"])
    assert found == [] and "discord: HTTP 500" in errors[0]
    assert social_discovery_from_env({}).backend == "live"
    configured = social_discovery_from_env({"YOUTUBE_API_KEY": "k", "X_BEARER_TOKEN": "b"})
    assert configured.x_bearer_token is not None and configured.reddit_client_id is None
