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

from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.platforms.google.settings import GA4_URL


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


PROVIDERS = ("ga4", "x", "meta", "linkedin", "search_console", "youtube")
# provider -> {environment variable: resource field} it needs.
SECRETS = {
    "ga4": {"GA4_PROPERTY_ID": "ga4_property_id", "GA4_ACCESS_TOKEN": "ga4_access_token"},
    "x": {"X_BEARER_TOKEN": "x_bearer_token"},
    "meta": {"META_ACCESS_TOKEN": "meta_access_token"},
    "linkedin": {
        "LINKEDIN_ACCESS_TOKEN": "linkedin_access_token",
        "LINKEDIN_ORGANIZATION_ID": "linkedin_organization_id",
    },
    "search_console": {
        "GOOGLE_ACCESS_TOKEN": "google_access_token",
        "SEARCH_CONSOLE_SITE_URL": "search_console_site_url",
    },
    "youtube": {"GOOGLE_ACCESS_TOKEN": "google_access_token"},
}


class MetricsResource(ConfigurableResource):
    """`simulator` (offline, the default), `ga4` (Google Analytics Data API runReport: channel
    totals), `x` (X API v2 public metrics of the brand's published posts) or `meta` (Graph API
    insights of Facebook Page posts and Instagram media), `search_console` (clicks, impressions and
    position per page), `youtube` (YouTube Analytics per video) or `linkedin` (organization share
    statistics); `live` uses every one of those whose secrets are set."""

    backend: Literal["simulator", "live", "ga4", "x", "meta", "linkedin", "search_console", "youtube"] = (
        "simulator"
    )
    seed: int = 0
    journeys_per_day: int = Field(default=8_000, gt=0)
    simulated_posts_per_day: int = Field(default=400, ge=0)
    ga4_property_id: str = ""
    ga4_access_token: str | None = None
    ga4_base_url: str = GA4_URL
    x_bearer_token: str | None = None
    meta_access_token: str | None = None
    google_access_token: str | None = None
    linkedin_access_token: str | None = None
    linkedin_organization_id: str = ""
    search_console_site_url: str = ""

    @classmethod
    def live_from_env(cls) -> MetricsResource:
        """The production resource: `live`, with an EnvVar for every secret present in the
        environment (only presence is read here; Dagster resolves the values at run time)."""
        import os

        from dagster import EnvVar

        fields = {
            field: EnvVar(env)
            for secrets in SECRETS.values()
            for env, field in secrets.items()
            if env in os.environ
        }
        return cls(backend="live", **fields)

    def client(self) -> MetricsBackend:
        """The simulator, one provider, or (`live`) every configured provider behind one backend that
        stamps each row with its provider's name (`source`). `live` with none configured measures
        nothing: the assets report each provider as not configured (`sources()`), nothing is made up."""
        if self.backend == "simulator":
            from marketing_engine.resources.metrics.simulator import SimulatorBackend

            return SimulatorBackend(self.seed, self.journeys_per_day, self.simulated_posts_per_day)
        if self.backend != "live":
            return self._provider(self.backend)
        from marketing_engine.resources.metrics.live import LiveBackend

        names = self.configured()
        return LiveBackend([self._provider(name) for name in names], names)

    def configured(self) -> list[str]:
        """The providers this resource can ask: all of `live`'s whose secrets are set, or its one."""
        if self.backend == "simulator":
            return ["simulator"]
        if self.backend == "live":
            return [name for name in PROVIDERS if not self._missing(name)]
        return [self.backend]

    def sources(self) -> SourceReport:
        """Which providers answer, and which are not configured (by name), for asset metadata."""
        if self.backend == "simulator":
            return SourceReport().add(SIMULATOR, "metrics simulator")
        report = SourceReport()
        for name in PROVIDERS if self.backend == "live" else [self.backend]:
            report.add(NOT_CONFIGURED if self._missing(name) else "measured", name)
        return report


    def _missing(self, name: str) -> list[str]:
        return [env for env, field in SECRETS[name].items() if not getattr(self, field)]

    def _provider(self, name: str) -> MetricsBackend:
        missing = self._missing(name)
        if missing:
            raise MetricsError(f"metrics backend {name!r} needs {' and '.join(missing)}")
        if name == "ga4":
            from marketing_engine.resources.metrics.ga4 import GA4Backend

            return GA4Backend(self.ga4_property_id, self.ga4_access_token, base_url=self.ga4_base_url)
        if name == "x":
            from marketing_engine.resources.metrics.x import XMetricsBackend

            return XMetricsBackend(self.x_bearer_token)
        if name == "meta":
            from marketing_engine.resources.metrics.meta import MetaInsightsBackend

            return MetaInsightsBackend(self.meta_access_token)
        if name == "linkedin":
            from marketing_engine.resources.metrics.linkedin import LinkedInStatsBackend

            return LinkedInStatsBackend(self.linkedin_access_token, self.linkedin_organization_id)
        if name == "youtube":
            from marketing_engine.resources.metrics.youtube import YouTubeAnalyticsBackend

            return YouTubeAnalyticsBackend(self.google_access_token)
        from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

        return SearchConsoleBackend(self.search_console_site_url, self.google_access_token)
