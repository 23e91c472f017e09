"""Google API names, versions, hosts and retry policy.

Docs: https://developers.google.com/youtube/v3/getting-started#quota (daily quota, reset at
midnight Pacific), https://developers.google.com/youtube/v3/docs/errors,
https://developers.google.com/analytics/devguides/reporting/data/v1/quotas
"""

from marketing_engine.resources.retry import RetryPolicy

TOKEN_URI = "https://oauth2.googleapis.com/token"
# The user's OAuth client and refresh token (one consent for every scope below) come from these;
# google-auth trades the refresh token for an access token whenever it is missing or expired.
REFRESH_SETTINGS = ("GOOGLE_REFRESH_TOKEN", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET")
SEARCH_CONSOLE_SCOPE = "https://www.googleapis.com/auth/webmasters.readonly"
YOUTUBE_ANALYTICS_SCOPE = "https://www.googleapis.com/auth/yt-analytics.readonly"
GA4_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
YOUTUBE_DATA = ("youtube", "v3")
YOUTUBE_ANALYTICS = ("youtubeAnalytics", "v2")
SEARCH_CONSOLE = ("searchconsole", "v1")
YOUTUBE_DATA_URL = "https://www.googleapis.com/youtube/v3"
GA4_URL = "https://analyticsdata.googleapis.com"

# Reasons Google gives for a used-up quota or rate (HTTP 403 or 429).
RATE_LIMIT_REASONS = frozenset(
    {
        "quotaExceeded",
        "rateLimitExceeded",
        "userRateLimitExceeded",
        "uploadLimitExceeded",
        "dailyLimitExceeded",
    }
)
# Quotas are daily (reset at midnight Pacific): a rate limit that names no wait looks again in an hour.
RATE_LIMIT_WAIT = 3600.0

RETRY = RetryPolicy(rate_limit_wait=RATE_LIMIT_WAIT)
