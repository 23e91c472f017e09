"""Google: YouTube Data v3, YouTube Analytics v2 and Search Console v1 (google-api-python-client),
the GA4 Data API (google-analytics-data), refreshing OAuth credentials (google-auth) and the
YouTube Data API over httpx with an API key."""

from marketing_engine.resources.platforms.google.client import (
    YouTubeDataClient,
    build_service,
    execute,
    ga4_client,
    http_error,
    user_credentials,
)

__all__ = ["YouTubeDataClient", "build_service", "execute", "ga4_client", "http_error", "user_credentials"]
