"""YouTube Data API v3 via google-api-python-client: new videos per topic and their views, plus
whether the topic is on the region's mostPopular chart.

Per topic: `search.list` (videos published on the asked day, by relevance) then `videos.list` for
their statistics; per region: `videos.list chart=mostPopular`. `interest` is the number of the
day's videos (up to 50), `volume` their summed views. Calls go through Google's client and retry
policy (`marketing_engine.resources.platforms.google`); quota exhaustion (403 quotaExceeded — a
daily quota, not waited for), 429, a bad key and malformed answers become `TrendSourceError`s.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from marketing_engine.resources.platforms.google import build_service, execute, settings
from marketing_engine.resources.retry import ProviderError
from marketing_engine.resources.trend_sources.base import reading
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError


class YouTubeTrendSource:
    name = "youtube"

    def __init__(self, api_key: str, http: Any = None, sleep=None):
        # The discovery document ships with the client library: no network call to build it.
        self._api = build_service(settings.YOUTUBE_DATA, http=http, developer_key=api_key)
        self._sleep = sleep

    def _execute(self, call, what: str) -> dict:
        try:
            body = execute(self.name, call.execute, sleep=self._sleep)
        except ProviderError as exc:
            status = f"HTTP {exc.status}: " if exc.status else ""
            raise TrendSourceError(self.name, f"{what}: {status}{exc.code or exc.detail}") from None
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise TrendSourceError(self.name, f"{what}: answer has no items list")
        return body

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        region = request.regions[0] if request.regions else "US"
        popular = self._execute(
            self._api.videos().list(part="snippet", chart="mostPopular", regionCode=region, maxResults=50),
            f"mostPopular {region}",
        )
        titles = [str(item.get("snippet", {}).get("title", "")).lower() for item in popular["items"]]
        return [self._topic(topic, request, region, titles) for topic in request.topics]

    def _topic(self, topic: str, request: FetchRequest, region: str, popular: list[str]) -> TrendReading:
        start = datetime.combine(request.day, time(), UTC)
        found = self._execute(
            self._api.search().list(
                part="id",
                q=topic,
                type="video",
                regionCode=region,
                maxResults=50,
                publishedAfter=start.isoformat().replace("+00:00", "Z"),
                publishedBefore=(start + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            ),
            f"search {topic!r}",
        )
        try:
            ids = [item["id"]["videoId"] for item in found["items"]]
            views = 0.0
            if ids:
                stats = self._execute(
                    self._api.videos().list(part="statistics", id=",".join(ids)), f"videos {topic!r}"
                )
                views = sum(float(item["statistics"].get("viewCount", 0)) for item in stats["items"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TrendSourceError(
                self.name, f"{topic!r}: malformed answer ({type(exc).__name__}: {exc})"
            ) from None
        on_chart = sum(topic.lower() in title for title in popular)
        raw = {"videos": len(ids), "on_most_popular": on_chart}
        return reading(self.name, request.day, topic, float(len(ids)), views, raw)
