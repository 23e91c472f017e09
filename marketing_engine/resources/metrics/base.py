"""The metrics interface every provider implements, and the resource that picks one.

Two questions the analytics assets ask of a provider, for one day:
- `journeys(request)`: the customer journeys that ended that day (touches in order, outcome);
- `post_metrics(request, posts)`: impressions, engagements and clicks of the given posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from dagster import ConfigurableResource
from pydantic import Field


class MetricsError(RuntimeError):
    """A provider that cannot answer (misconfigured, or its API failed for good)."""


@dataclass(frozen=True)
class MetricsRequest:
    brand: str
    day: date
    channels: list[str]
    products: list[tuple[str, float]]  # (name, price)
    topics: list[str] = field(default_factory=list)


class MetricsBackend(Protocol):
    def journeys(self, request: MetricsRequest) -> list[dict]: ...

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]: ...


class MetricsResource(ConfigurableResource):
    """`simulator` (offline, the default), `ga4` (Google Analytics Data API runReport: channel
    totals), `x` (X API v2 public metrics of the brand's published posts) or `meta` (Graph API
    insights of Facebook Page posts and Instagram media), `search_console` (clicks, impressions and
    position per page), `youtube` (YouTube Analytics per video) or `linkedin` (organization share
    statistics)."""

    backend: Literal["simulator", "ga4", "x", "meta", "linkedin", "search_console", "youtube"] = "simulator"
    seed: int = 0
    journeys_per_day: int = Field(default=8_000, gt=0)
    simulated_posts_per_day: int = Field(default=400, ge=0)
    ga4_property_id: str = ""
    ga4_access_token: str | None = None
    ga4_base_url: str = "https://analyticsdata.googleapis.com"
    x_bearer_token: str | None = None
    meta_access_token: str | None = None
    google_access_token: str | None = None
    linkedin_access_token: str | None = None
    linkedin_organization_id: str = ""
    search_console_site_url: str = ""

    def client(self) -> MetricsBackend:
        if self.backend == "simulator":
            from marketing_engine.resources.metrics.simulator import SimulatorBackend

            return SimulatorBackend(self.seed, self.journeys_per_day, self.simulated_posts_per_day)
        if self.backend in ("search_console", "youtube"):
            return self._google()
        if self.backend == "linkedin":
            if not self.linkedin_access_token or not self.linkedin_organization_id:
                raise MetricsError(
                    "metrics backend 'linkedin' needs LINKEDIN_ACCESS_TOKEN and LINKEDIN_ORGANIZATION_ID"
                )
            from marketing_engine.resources.metrics.linkedin import LinkedInStatsBackend

            return LinkedInStatsBackend(self.linkedin_access_token, self.linkedin_organization_id)
        if self.backend == "meta":
            if not self.meta_access_token:
                raise MetricsError("metrics backend 'meta' needs META_ACCESS_TOKEN")
            from marketing_engine.resources.metrics.meta import MetaInsightsBackend

            return MetaInsightsBackend(self.meta_access_token)
        if self.backend == "x":
            if not self.x_bearer_token:
                raise MetricsError("metrics backend 'x' needs X_BEARER_TOKEN")
            from marketing_engine.resources.metrics.x import XMetricsBackend

            return XMetricsBackend(self.x_bearer_token)
        if not self.ga4_property_id or not self.ga4_access_token:
            raise MetricsError("metrics backend 'ga4' needs GA4_PROPERTY_ID and GA4_ACCESS_TOKEN")
        from marketing_engine.resources.metrics.ga4 import GA4Backend

        return GA4Backend(self.ga4_property_id, self.ga4_access_token, self.ga4_base_url)

    def _google(self) -> MetricsBackend:
        if not self.google_access_token:
            raise MetricsError(f"metrics backend {self.backend!r} needs GOOGLE_ACCESS_TOKEN")
        if self.backend == "youtube":
            from marketing_engine.resources.metrics.youtube import YouTubeAnalyticsBackend

            return YouTubeAnalyticsBackend(self.google_access_token)
        if not self.search_console_site_url:
            raise MetricsError("metrics backend 'search_console' needs SEARCH_CONSOLE_SITE_URL")
        from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

        return SearchConsoleBackend(self.search_console_site_url, self.google_access_token)
