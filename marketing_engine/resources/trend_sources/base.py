"""The trend sources as one resource: six platforms, each a real client or the offline replay.

`TrendSourcesResource.sources()` returns one `TrendSource` per enabled platform. With
`backend="replay"` every platform is the offline replay of the brand's own topics; with `backend="live"` a platform whose
credentials are set gets its real client (one module per provider in this folder) and a platform
without credentials is reported as not configured, never called. Secrets come only through
`dagster.EnvVar` in `prod_resources()`.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from dagster import Config, ConfigurableResource, EnvVar
from pydantic import Field

from marketing_engine.resources.platforms.reddit.settings import TRENDS_USER_AGENT
from marketing_engine.resources.retry import ProviderError
from marketing_engine.trends.readings import SOURCES, FetchRequest, TrendReading, TrendSourceError

if TYPE_CHECKING:  # the replay loads numpy; the webserver and daemon import this module without using it
    from marketing_engine.trends.replay import InjectedSpike

SECRET_ENV = {
    "serpapi_api_key": "SERPAPI_API_KEY",
    "x_bearer_token": "X_BEARER_TOKEN",
    "reddit_client_id": "REDDIT_CLIENT_ID",
    "reddit_client_secret": "REDDIT_CLIENT_SECRET",
    "youtube_api_key": "YOUTUBE_API_KEY",
    "tiktok_client_key": "TIKTOK_CLIENT_KEY",
    "tiktok_client_secret": "TIKTOK_CLIENT_SECRET",
}


def reading(
    source: str,
    day: date,
    topic: str,
    interest: float,
    volume: float | None,
    raw: dict,
    before: float | None = None,
) -> TrendReading:
    """A day's reading; `velocity` is the change of interest from `before` (the day before's), when known."""
    velocity = (interest / before - 1.0) if before else None
    return TrendReading(day, source, topic, interest, volume, velocity, raw)


def source_error(source: str, topic: str, error: ProviderError) -> TrendSourceError:
    """A platform client's final error, told for the topic it was about."""
    if error.status == 429:
        return TrendSourceError(
            source, f"rate limited for {topic!r}" + (f" ({error.note})" if error.note else "")
        )
    status = f" (HTTP {error.status})" if error.status else ""
    return TrendSourceError(source, f"{topic!r}: {error.detail}{status}")


class TrendSource(Protocol):
    name: str

    def fetch(self, request: FetchRequest) -> list[TrendReading]: ...


class InjectedSpikeConfig(Config):
    """A spike the replay adds on every platform: at `start` (ISO date) or `days_ago` days before today.
    Without a topic it lands on the first topic the brand asks about (its first seed topic)."""

    topic: str | None = None
    start: str | None = None
    days_ago: int | None = None
    multiplier: float = 4.0
    half_life_days: float = 6.0

    def resolve(self, today: date | None = None) -> InjectedSpike:
        from marketing_engine.trends.replay import InjectedSpike

        if self.start:
            start = date.fromisoformat(self.start)
        elif self.days_ago is not None:
            start = (today or date.today()) - timedelta(days=self.days_ago)
        else:
            raise ValueError(f"injected spike for {self.topic!r}: give start or days_ago")
        return InjectedSpike(self.topic, start, self.multiplier, self.half_life_days)


class _Replay:
    def __init__(self, name: str, injected: tuple[InjectedSpike, ...]):
        from marketing_engine.trends.replay import ReplaySource

        self.name = name
        self._source = ReplaySource(name, injected)

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        return self._source.fetch(request)


class TrendSourcesResource(ConfigurableResource):
    backend: Literal["replay", "live"] = "replay"
    enabled: list[str] = Field(default_factory=lambda: list(SOURCES))
    injected_spikes: list[InjectedSpikeConfig] = Field(default_factory=list)
    serpapi_api_key: str | None = None
    x_bearer_token: str | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_user_agent: str = TRENDS_USER_AGENT
    youtube_api_key: str | None = None
    tiktok_client_key: str | None = None
    tiktok_client_secret: str | None = None
    news_feeds: list[str] = Field(default_factory=list)
    timeout_s: float = 20.0

    @staticmethod
    def secrets_from_env() -> dict[str, EnvVar]:
        """An `EnvVar` for every secret whose variable is set (its presence is read, never its value)."""
        return {field: EnvVar(name) for field, name in SECRET_ENV.items() if os.environ.get(name)}

    def sources(self) -> dict[str, TrendSource | None]:
        """Platform → client, or None when the platform is enabled but has no credentials."""
        unknown = sorted(set(self.enabled) - set(SOURCES))
        if unknown:
            raise ValueError(f"trend sources: unknown platform(s) {unknown} (known: {', '.join(SOURCES)})")
        if self.backend == "replay":
            injected = tuple(spike.resolve() for spike in self.injected_spikes)
            return {name: _Replay(name, injected) for name in self.enabled}
        return {name: self._live(name) for name in self.enabled}

    def _live(self, name: str) -> TrendSource | None:
        # Provider modules import their SDKs lazily, so only configured platforms pay for them.
        if name == "google_trends" and self.serpapi_api_key:
            from marketing_engine.resources.trend_sources.google_trends import GoogleTrendsSource

            return GoogleTrendsSource(self.serpapi_api_key, timeout_s=self.timeout_s)
        if name == "x" and self.x_bearer_token:
            from marketing_engine.resources.trend_sources.x import XTrendSource

            return XTrendSource(self.x_bearer_token)
        if name == "reddit" and self.reddit_client_id and self.reddit_client_secret:
            from marketing_engine.resources.trend_sources.reddit import RedditTrendSource

            return RedditTrendSource(self.reddit_client_id, self.reddit_client_secret, self.reddit_user_agent)
        if name == "youtube" and self.youtube_api_key:
            from marketing_engine.resources.trend_sources.youtube import YouTubeTrendSource

            return YouTubeTrendSource(self.youtube_api_key)
        if name == "news":
            from marketing_engine.resources.trend_sources.news import NewsTrendSource

            return NewsTrendSource(tuple(self.news_feeds), timeout_s=self.timeout_s)
        if name == "tiktok" and self.tiktok_client_key and self.tiktok_client_secret:
            from marketing_engine.resources.trend_sources.tiktok import TikTokTrendSource

            return TikTokTrendSource(
                self.tiktok_client_key, self.tiktok_client_secret, timeout_s=self.timeout_s
            )
        return None
