"""The metrics interface every provider implements, and the resource that picks one.

Two questions the analytics assets ask of a provider, for one day:
- `journeys(request)`: the customer journeys that ended that day (touches in order, outcome);
- `post_metrics(request, posts)`: impressions, engagements and clicks of the given posts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.provenance import NOT_CONFIGURED, SIMULATOR, SourceReport
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.retry import ProviderError

if TYPE_CHECKING:
    from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

T = TypeVar("T")


class MetricsError(RuntimeError):
    """A provider that cannot answer (misconfigured, or its API failed for good)."""


@dataclass(frozen=True)
class MetricsRequest:
    brand: str
    day: date
    channels: list[str]
    products: list[tuple[str, float]]  # (name, price)
    topics: list[str] = field(default_factory=list)

    @classmethod
    def for_brand(cls, profile: Any, day: date, channels: list[str] | None = None) -> MetricsRequest:
        """What a provider is asked for the brand's day. Journeys run over the brand's platforms with its
        site standing for organic search; post metrics ask for the platforms by their own names."""
        return cls(
            brand=profile.slug,
            day=day,
            channels=channels
            or ["organic_search" if p == "wordpress" else p for p in profile.enabled_channels],
            products=[(p.name, p.price or 100.0) for p in profile.products],
            topics=list(profile.seed_topics),
        )


class MetricsBackend(Protocol):
    def journeys(self, request: MetricsRequest) -> list[dict]: ...

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]: ...


def posts_on(platform: str, posts: list[dict]) -> list[dict]:
    """The posts published on `platform` whose id the platform gave (`social_posts.platform_post_id`,
    written by `publishing.store.record_outcomes`)."""
    return [p for p in posts if p["platform"] == platform and p.get("platform_post_id")]


def refreshed(
    provider: str,
    call: Callable[[], T],
    refresh: Callable[[], bool],
    needs: str,
    expired_codes: frozenset[str] = frozenset(),
) -> T:
    """`call()`; when the platform refuses the access token (HTTP 401, or one of its
    `expired_codes`), refresh it once (`refresh`: False when there is nothing to refresh with, then
    the error names the settings it `needs`)."""
    try:
        return call()
    except ProviderError as exc:
        if exc.status != 401 and exc.code not in expired_codes:
            raise
        if not refresh():
            raise ProviderError(
                provider,
                f"{exc.detail}: the access token was refused and cannot be refreshed without {needs}",
                401,
            ) from None
        return call()


def measured_row(post: dict, counts: dict, source: str, rate: float | None = None) -> dict:
    """A post with its counts in the row shape every provider returns: impressions, engagements,
    clicks (0 where the platform reports none), engagement_rate and the `source` that measured it.
    The rate is engagements per impression, or `rate` where the platform reports no impressions."""
    row = {**post, "clicks": 0, **counts, "source": source}
    row["engagement_rate"] = counts["engagements"] / max(counts["impressions"], 1) if rate is None else rate
    return row


PROVIDERS = (
    "ga4",
    "x",
    "meta",
    "linkedin",
    "search_console",
    "youtube",
    "tiktok",
    "pinterest",
    "reddit",
    "threads",
    "bluesky",
)
BACKENDS = ("simulator", "live", *PROVIDERS)
# Google's OAuth client and the user's refresh token: google-auth trades it for access tokens.
GOOGLE_OAUTH = {
    "GOOGLE_REFRESH_TOKEN": "google_refresh_token",
    "GOOGLE_CLIENT_ID": "google_client_id",
    "GOOGLE_CLIENT_SECRET": "google_client_secret",
}
# provider -> {environment variable: resource field} it needs.
SECRETS = {
    "ga4": {"GA4_PROPERTY_ID": "ga4_property_id", **GOOGLE_OAUTH},
    "x": {"X_BEARER_TOKEN": "x_bearer_token"},
    "meta": {"META_ACCESS_TOKEN": "meta_access_token"},
    "linkedin": {
        "LINKEDIN_ACCESS_TOKEN": "linkedin_access_token",
        "LINKEDIN_ORGANIZATION_ID": "linkedin_organization_id",
    },
    "search_console": {**GOOGLE_OAUTH, "SEARCH_CONSOLE_SITE_URL": "search_console_site_url"},
    "youtube": dict(GOOGLE_OAUTH),
    "tiktok": {"TIKTOK_ACCESS_TOKEN": "tiktok_access_token"},
    "pinterest": {"PINTEREST_ACCESS_TOKEN": "pinterest_access_token"},
    "reddit": {"REDDIT_CLIENT_ID": "reddit_client_id", "REDDIT_CLIENT_SECRET": "reddit_client_secret"},
    "threads": {"THREADS_TOKEN": "threads_token"},
    "bluesky": {"BLUESKY_HANDLE": "bluesky_handle", "BLUESKY_APP_PASSWORD": "bluesky_app_password"},
}
# Settings a provider uses when they are there (a token refresh), without needing them.
OPTIONAL_SECRETS = {
    "tiktok": {
        "TIKTOK_REFRESH_TOKEN": "tiktok_refresh_token",
        "TIKTOK_CLIENT_KEY": "tiktok_client_key",
        "TIKTOK_CLIENT_SECRET": "tiktok_client_secret",
    },
    "pinterest": {
        "PINTEREST_REFRESH_TOKEN": "pinterest_refresh_token",
        "PINTEREST_CLIENT_ID": "pinterest_client_id",
        "PINTEREST_CLIENT_SECRET": "pinterest_client_secret",
    },
    "reddit": {"REDDIT_REFRESH_TOKEN": "reddit_refresh_token"},
}


class MetricsResource(ConfigurableResource):
    """`simulator` (offline, the default), `ga4` (Google Analytics Data API runReport: channel
    totals), `x` (X API v2 public metrics of the brand's published posts) or `meta` (Graph API
    insights of Facebook Page posts and Instagram media), `search_console` (clicks, impressions and
    position per page), `youtube` (YouTube Analytics per video) or `linkedin` (organization share
    statistics), `tiktok` (Display API video counts), `pinterest` (pin analytics), `reddit`
    (submission score and comments), `threads` (media insights) or `bluesky` (post counts); `live`
    uses every one of those whose secrets are set. Google's three refresh the user's token
    (GOOGLE_REFRESH_TOKEN with its OAuth client) through google-auth."""

    backend: Literal[BACKENDS] = "simulator"  # type: ignore[valid-type]
    seed: int = 0
    journeys_per_day: int = Field(default=8_000, gt=0)
    simulated_posts_per_day: int = Field(default=400, ge=0)
    ga4_property_id: str = ""
    x_bearer_token: str | None = None
    meta_access_token: str | None = None
    google_refresh_token: str | None = None
    google_client_id: str | None = None
    google_client_secret: str | None = None
    linkedin_access_token: str | None = None
    linkedin_organization_id: str = ""
    search_console_site_url: str = ""
    tiktok_access_token: str | None = None
    tiktok_refresh_token: str | None = None
    tiktok_client_key: str | None = None
    tiktok_client_secret: str | None = None
    pinterest_access_token: str | None = None
    pinterest_refresh_token: str | None = None
    pinterest_client_id: str | None = None
    pinterest_client_secret: str | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_refresh_token: str | None = None
    threads_token: str | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None

    @classmethod
    def live_from_env(cls) -> MetricsResource:
        """The production resource: `live`, with an EnvVar for every secret present in the
        environment (only presence is read here; Dagster resolves the values at run time)."""
        import os

        from dagster import EnvVar

        fields = {
            field: EnvVar(env)
            for table in (SECRETS, OPTIONAL_SECRETS)
            for secrets in table.values()
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

    def search_console(self) -> SearchConsoleBackend | None:
        """Search Console's client where this resource measures for real and has its settings
        (`live` or `search_console`), else None: search positions then come from nowhere."""
        if self.backend not in ("live", "search_console") or self._missing("search_console"):
            return None
        return self._provider("search_console")  # type: ignore[return-value]

    def _missing(self, name: str) -> list[str]:
        return [env for env, field in SECRETS[name].items() if not getattr(self, field)]

    def _provider(self, name: str) -> MetricsBackend:
        missing = self._missing(name)
        if missing:
            raise MetricsError(f"metrics backend {name!r} needs {' and '.join(missing)}")
        if name == "ga4":
            from marketing_engine.resources.metrics.ga4 import GA4Backend

            return GA4Backend(self.ga4_property_id, self._google_token())
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

            return YouTubeAnalyticsBackend(self._google_token())
        if name == "search_console":
            from marketing_engine.resources.metrics.search_console import SearchConsoleBackend

            return SearchConsoleBackend(self.search_console_site_url, self._google_token())
        return self._post_provider(name)

    def _google_token(self) -> OAuthToken:
        """No access token yet: google-auth gets one from the refresh token on the first call."""
        return OAuthToken(None, self.google_refresh_token, self.google_client_id, self.google_client_secret)

    def _post_provider(self, name: str) -> MetricsBackend:
        if name == "tiktok":
            from marketing_engine.resources.metrics.tiktok import TikTokMetricsBackend

            return TikTokMetricsBackend(
                OAuthToken(
                    self.tiktok_access_token,
                    self.tiktok_refresh_token,
                    self.tiktok_client_key,
                    self.tiktok_client_secret,
                )
            )
        if name == "pinterest":
            from marketing_engine.resources.metrics.pinterest import PinterestMetricsBackend

            return PinterestMetricsBackend(
                OAuthToken(
                    self.pinterest_access_token,
                    self.pinterest_refresh_token,
                    self.pinterest_client_id,
                    self.pinterest_client_secret,
                )
            )
        if name == "reddit":
            from marketing_engine.resources.metrics.reddit import RedditMetricsBackend

            return RedditMetricsBackend(
                self.reddit_client_id, self.reddit_client_secret, refresh_token=self.reddit_refresh_token
            )
        if name == "threads":
            from marketing_engine.resources.metrics.threads import ThreadsInsightsBackend

            return ThreadsInsightsBackend(self.threads_token)
        from marketing_engine.resources.metrics.bluesky import BlueskyMetricsBackend

        return BlueskyMetricsBackend(self.bluesky_handle, self.bluesky_app_password)
