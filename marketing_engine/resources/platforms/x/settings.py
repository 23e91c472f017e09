"""X API v2 endpoints and retry policy.

Docs: https://docs.x.com/x-api/fundamentals/rate-limits (15-minute windows, `x-rate-limit-reset`
as epoch seconds), https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token,
https://docs.x.com/x-api/media/quickstart/media-upload-chunked
"""

from marketing_engine.resources.retry import RetryPolicy

API_URL = "https://api.x.com/2"
TOKEN_URL = f"{API_URL}/oauth2/token"
MEDIA_URL = f"{API_URL}/media/upload"
RECENT_SEARCH_URL = f"{API_URL}/tweets/search/recent"
MEDIA_CHUNK = 4 * 1024 * 1024  # upload segments must stay under 5 MB
# X's rate-limit windows are 15 minutes; a 429 without a reset header waits out a window.
RATE_LIMIT_WAIT = 900.0

RETRY = RetryPolicy(rate_limit_wait=RATE_LIMIT_WAIT)
