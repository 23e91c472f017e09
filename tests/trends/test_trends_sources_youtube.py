"""YouTube (google-api-python-client) with HttpMockSequence: chart, search, statistics, quota, bad key."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from googleapiclient.http import HttpMockSequence

from marketing_engine.resources.trend_sources.youtube import YouTubeTrendSource
from marketing_engine.trends.readings import FetchRequest, TrendSourceError

REQUEST = FetchRequest(day=date(2026, 5, 4), topics=("cargo e-bike",))
CHART = {
    "kind": "youtube#videoListResponse",
    "items": [{"id": "p1", "snippet": {"title": "Best Cargo E-Bike of 2026"}}],
}
SEARCH = {
    "kind": "youtube#searchListResponse",
    "items": [
        {"id": {"kind": "youtube#video", "videoId": "v1"}},
        {"id": {"kind": "youtube#video", "videoId": "v2"}},
    ],
}
STATS = {
    "items": [
        {"id": "v1", "statistics": {"viewCount": "1200"}},
        {"id": "v2", "statistics": {"viewCount": "300"}},
    ]
}


def ok(body: dict) -> tuple[dict, bytes]:
    return ({"status": "200"}, json.dumps(body).encode())


def google_error(status: int, reason: str) -> tuple[dict, bytes]:
    body = {
        "error": {
            "code": status,
            "message": reason,
            "errors": [{"reason": reason, "domain": "youtube.quota"}],
        }
    }
    return ({"status": str(status)}, json.dumps(body).encode())


class RecordingHttp(HttpMockSequence):
    """HttpMockSequence that also keeps the URIs asked for."""

    def __init__(self, sequence):
        super().__init__(sequence)
        self.uris: list[str] = []

    def request(self, uri, *args, **kwargs):
        self.uris.append(uri)
        return super().request(uri, *args, **kwargs)


def test_counts_the_days_videos_their_views_and_the_chart():
    http = RecordingHttp([ok(CHART), ok(SEARCH), ok(STATS)])
    [reading] = YouTubeTrendSource("key", http=http).fetch(REQUEST)
    assert (reading.interest, reading.volume, reading.raw["on_most_popular"]) == (2.0, 1500.0, 1)
    chart, search, stats = (parse_qs(urlparse(uri).query) for uri in http.uris)
    assert chart["chart"] == ["mostPopular"] and chart["regionCode"] == ["US"] and chart["key"] == ["key"]
    assert search["q"] == ["cargo e-bike"] and search["type"] == ["video"]
    assert search["publishedAfter"] == ["2026-05-04T00:00:00Z"] and search["publishedBefore"] == [
        "2026-05-05T00:00:00Z"
    ]
    assert stats["id"] == ["v1,v2"] and stats["part"] == ["statistics"]


@pytest.mark.parametrize(
    ("sequence", "message"),
    [
        ([google_error(403, "quotaExceeded")], "mostPopular US: HTTP 403: quotaExceeded"),
        (
            [ok(CHART), google_error(429, "rateLimitExceeded")],
            "search 'cargo e-bike': HTTP 429: rateLimitExceeded",
        ),
        ([google_error(400, "keyInvalid")], "HTTP 400: keyInvalid"),
        ([ok({"kind": "nothing"})], "no items list"),
        ([ok(CHART), ok({"items": [{"id": {"kind": "youtube#channel"}}]})], "malformed answer"),
    ],
)
def test_failures_are_named(sequence, message):
    with pytest.raises(TrendSourceError, match=message):
        YouTubeTrendSource("key", http=HttpMockSequence(sequence)).fetch(REQUEST)
