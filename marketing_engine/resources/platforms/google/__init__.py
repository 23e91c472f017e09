"""Google: YouTube Data v3 and YouTube Analytics v2 (google-api-python-client), Search Console v1,
the GA4 Data API and the YouTube Data API over httpx with an API key."""

from marketing_engine.resources.platforms.google.client import (
    GA4Client,
    YouTubeDataClient,
    build_service,
    execute,
    http_error,
    user_credentials,
)

__all__ = ["GA4Client", "YouTubeDataClient", "build_service", "execute", "http_error", "user_credentials"]
