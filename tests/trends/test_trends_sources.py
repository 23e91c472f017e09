"""Real trend sources at the HTTP layer: documented shapes, 429 with reset headers, auth failure,
malformed payloads (respx for httpx clients, responses for tweepy)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import responses
import respx

from marketing_engine.resources.trend_sources.base import TrendSourcesResource
from marketing_engine.resources.trend_sources.google_trends import ENDPOINT, GoogleTrendsSource
from marketing_engine.resources.trend_sources.news import NewsTrendSource
from marketing_engine.resources.trend_sources.tiktok import QUERY_URL, TOKEN_URL, TikTokTrendSource
from marketing_engine.resources.trend_sources.x import XTrendSource
from marketing_engine.trends.readings import FetchRequest, TrendSourceError

DAY = date(2026, 5, 4)
REQUEST = FetchRequest(day=DAY, topics=("cargo e-bike", "e-bike tax credit"))
NO_WAIT = {"sleep": lambda _s: None, "max_retries": 2}


def _stamp(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()))


def serpapi_body(values_today=(42, 7), values_before=(21, 7)) -> dict:
    def point(day, values):
        return {
            "date": day.isoformat(),
            "timestamp": _stamp(day),
            "values": [
                {"query": t, "value": str(v), "extracted_value": v}
                for t, v in zip(REQUEST.topics, values, strict=True)
            ],
        }

    return {
        "search_metadata": {"status": "Success"},
        "interest_over_time": {
            "timeline_data": [point(date(2026, 5, 3), values_before), point(DAY, values_today)]
        },
    }


@respx.mock
def test_google_trends_reads_the_days_point_and_velocity():
    route = respx.get(ENDPOINT).mock(return_value=httpx.Response(200, json=serpapi_body()))
    readings = GoogleTrendsSource("key", rising_queries=False, **NO_WAIT).fetch(REQUEST)
    assert [(r.topic, r.interest, r.velocity) for r in readings] == [
        ("cargo e-bike", 42.0, 1.0),
        ("e-bike tax credit", 7.0, 0.0),
    ]
    params = route.calls[0].request.url.params
    assert params["engine"] == "google_trends" and params["q"] == "cargo e-bike,e-bike tax credit"
    assert params["data_type"] == "TIMESERIES" and params["geo"] == "US"


@respx.mock
def test_google_trends_retries_429_with_reset_header_then_succeeds():
    respx.get(ENDPOINT).mock(
        side_effect=[
            httpx.Response(429, headers={"x-ratelimit-reset": "1"}, json={"error": "rate"}),
            httpx.Response(200, json=serpapi_body()),
        ]
    )
    waits = []
    source = GoogleTrendsSource("key", rising_queries=False, sleep=waits.append, max_retries=2)
    assert len(source.fetch(REQUEST)) == 2 and 1.0 <= waits[0] <= 1.1


@respx.mock
@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(401, json={"error": "Invalid API key. Your API key should be here: …"}),
            "HTTP 401: Invalid API key",
        ),
        (
            httpx.Response(429, headers={"retry-after": "3600"}, json={"error": "limit"}),
            "asks to wait 3600 s",
        ),
        (httpx.Response(200, json={"search_metadata": {}}), "no interest_over_time"),
        (httpx.Response(200, text="<html>"), "not JSON"),
        (
            httpx.Response(200, json={"error": "Google Trends hasn't returned any results for this query."}),
            "hasn't returned",
        ),
    ],
)
def test_google_trends_failures_are_named(response, message):
    respx.get(ENDPOINT).mock(return_value=response)
    with pytest.raises(TrendSourceError, match=message):
        GoogleTrendsSource("key", rising_queries=False, **NO_WAIT).fetch(REQUEST)


@respx.mock
def test_google_trends_adds_rising_queries_and_survives_their_failure():
    respx.get(ENDPOINT, params={"data_type": "TIMESERIES"}).mock(
        return_value=httpx.Response(200, json=serpapi_body())
    )
    respx.get(ENDPOINT, params={"data_type": "RELATED_QUERIES", "q": "cargo e-bike"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "related_queries": {
                    "rising": [{"query": "cargo e-bike rebate", "value": "+350%", "extracted_value": 350}],
                    "top": [{"query": "cargo bike", "value": "100", "extracted_value": 100}],
                }
            },
        )
    )
    respx.get(ENDPOINT, params={"data_type": "RELATED_QUERIES", "q": "e-bike tax credit"}).mock(
        return_value=httpx.Response(401, json={"error": "Invalid API key."})
    )
    cargo, credit = GoogleTrendsSource("key", **NO_WAIT).fetch(REQUEST)
    assert cargo.raw["rising"] == [{"query": "cargo e-bike rebate", "growth": 350}] and cargo.interest == 42.0
    assert "Invalid API key" in credit.raw["rising_error"] and credit.interest == 7.0


COUNTS_URL = "https://api.twitter.com/2/tweets/counts/recent"


def counts_body(today=900, before=300) -> dict:
    return {
        "data": [
            {"end": "2026-05-04T00:00:00.000Z", "start": "2026-05-03T00:00:00.000Z", "tweet_count": before},
            {"end": "2026-05-05T00:00:00.000Z", "start": "2026-05-04T00:00:00.000Z", "tweet_count": today},
        ],
        "meta": {"total_tweet_count": today + before},
    }


@responses.activate
def test_x_counts_recent_tweets_per_day():
    responses.get(COUNTS_URL, json=counts_body())
    readings = XTrendSource("token").fetch(FetchRequest(day=DAY, topics=("cargo e-bike",)))
    assert (readings[0].interest, readings[0].velocity) == (900.0, 2.0)
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer token"
    assert "granularity=day" in sent.url and "is%3Aretweet" in sent.url


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "headers", "message"),
    [
        (
            429,
            {"title": "Too Many Requests"},
            {"x-rate-limit-reset": "1777777777"},
            "resets at epoch 1777777777",
        ),
        (401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, {}, "Unauthorized"),
        (200, {"data": [{"start": "not a date", "tweet_count": 1}]}, {}, "malformed count bucket"),
        (200, {"data": [], "meta": {}}, {}, "no count for 2026-05-04"),
    ],
)
def test_x_failures_are_named(status, body, headers, message):
    responses.get(COUNTS_URL, json=body, status=status, headers=headers)
    with pytest.raises(TrendSourceError, match=message):
        XTrendSource("token").fetch(FetchRequest(day=DAY, topics=("cargo e-bike",)))


def tiktok_videos(n: int) -> dict:
    return {
        "data": {
            "videos": [{"id": i, "view_count": 1000 * (i + 1), "create_time": 1777777777} for i in range(n)],
            "cursor": n,
            "has_more": False,
            "search_id": "s",
        },
        "error": {"code": "ok", "message": "", "log_id": "x"},
    }


@respx.mock
def test_tiktok_token_then_video_query():
    token = respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            200, json={"access_token": "clt.abc", "expires_in": 7200, "token_type": "Bearer"}
        )
    )
    query = respx.post(QUERY_URL).mock(
        side_effect=[httpx.Response(200, json=tiktok_videos(3)), httpx.Response(200, json=tiktok_videos(1))]
    )
    readings = TikTokTrendSource("key", "secret", **NO_WAIT).fetch(REQUEST)
    assert [(r.interest, r.volume) for r in readings] == [(3.0, 6000.0), (1.0, 1000.0)]
    assert token.call_count == 1  # the token is reused
    sent = query.calls[0].request
    assert sent.headers[
        "Authorization"
    ] == "Bearer clt.abc" and b'"start_date":"20260504"' in sent.content.replace(b" ", b"")


@respx.mock
@pytest.mark.parametrize(
    ("token_response", "query_response", "message"),
    [
        (
            httpx.Response(
                401,
                json={"error": "invalid_client", "error_description": "Client key or secret is incorrect."},
            ),
            None,
            "incorrect",
        ),
        (
            None,
            httpx.Response(
                429,
                headers={"x-ratelimit-reset": "99999999999"},
                json={"error": {"code": "rate_limit_exceeded"}},
            ),
            "asks to wait",
        ),
        (None, httpx.Response(200, json={"data": {}, "error": {"code": "ok"}}), "no data.videos"),
        (
            None,
            httpx.Response(
                200, json={"data": {}, "error": {"code": "invalid_params", "message": "bad date"}}
            ),
            "invalid_params: bad date",
        ),
    ],
)
def test_tiktok_failures_are_named(token_response, query_response, message):
    respx.post(TOKEN_URL).mock(return_value=token_response or httpx.Response(200, json={"access_token": "t"}))
    respx.post(QUERY_URL).mock(return_value=query_response or httpx.Response(200, json=tiktok_videos(1)))
    with pytest.raises(TrendSourceError, match=message):
        TikTokTrendSource("key", "secret", **NO_WAIT).fetch(REQUEST)


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Cargo e-bike sales double</title><link>https://n.example/1</link><pubDate>Mon, 04 May 2026 08:00:00 GMT</pubDate></item>
<item><title>Cargo e-bike old story</title><link>https://n.example/2</link><pubDate>Fri, 01 May 2026 08:00:00 GMT</pubDate></item>
<item><title>Air fryer recipes</title><link>https://n.example/3</link><pubDate>Mon, 04 May 2026 09:00:00 GMT</pubDate></item>
</channel></rss>"""


@respx.mock
def test_news_counts_the_days_entries_per_topic_and_skips_a_failed_feed():
    respx.get("https://feeds.example/ebikes.xml").mock(return_value=httpx.Response(200, content=RSS))
    respx.get("https://feeds.example/down.xml").mock(return_value=httpx.Response(404, text="gone"))
    source = NewsTrendSource(
        ("https://feeds.example/ebikes.xml", "https://feeds.example/down.xml"), google_news=False, **NO_WAIT
    )
    readings = {r.topic: r for r in source.fetch(REQUEST)}
    assert readings["cargo e-bike"].interest == 1.0
    assert readings["cargo e-bike"].raw["headlines"] == [
        {"title": "Cargo e-bike sales double", "link": "https://n.example/1"}
    ]
    assert readings["e-bike tax credit"].interest == 0.0


@respx.mock
def test_news_fails_only_when_every_feed_fails():
    respx.get(url__startswith="https://news.google.com/rss/search").mock(
        return_value=httpx.Response(200, text="not xml at all <")
    )
    with pytest.raises(TrendSourceError, match="every feed failed"):
        NewsTrendSource(**NO_WAIT).fetch(REQUEST)


def test_live_backend_without_credentials_reports_not_configured(monkeypatch):
    monkeypatch.setenv("SERPAPI_API_KEY", "k")
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    resource = TrendSourcesResource(
        backend="live", enabled=["google_trends", "x", "tiktok"], serpapi_api_key="k"
    )
    sources = resource.sources()
    assert (
        isinstance(sources["google_trends"], GoogleTrendsSource)
        and sources["x"] is None
        and sources["tiktok"] is None
    )
    assert set(TrendSourcesResource.secrets_from_env()) == {"serpapi_api_key"}
    with pytest.raises(ValueError, match="unknown platform"):
        TrendSourcesResource(enabled=["myspace"]).sources()


def test_live_backend_builds_every_client_from_its_credentials():
    from marketing_engine.resources.trend_sources.reddit import RedditTrendSource
    from marketing_engine.resources.trend_sources.youtube import YouTubeTrendSource

    resource = TrendSourcesResource(
        backend="live",
        serpapi_api_key="s",
        x_bearer_token="x",
        reddit_client_id="r",
        reddit_client_secret="rs",
        youtube_api_key="y",
        tiktok_client_key="t",
        tiktok_client_secret="ts",
        news_feeds=["https://feeds.example/a.xml"],
    )
    kinds = {name: type(source) for name, source in resource.sources().items()}
    assert kinds == {
        "google_trends": GoogleTrendsSource,
        "x": XTrendSource,
        "reddit": RedditTrendSource,
        "youtube": YouTubeTrendSource,
        "news": NewsTrendSource,
        "tiktok": TikTokTrendSource,
    }
