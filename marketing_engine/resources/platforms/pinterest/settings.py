"""Pinterest API v5 host and retry policy.

Docs: https://developers.pinterest.com/docs/reference/rate-limits/,
https://developers.pinterest.com/docs/getting-started/authentication-and-scopes/
"""

from marketing_engine.resources.retry import RetryPolicy

API_URL = "https://api.pinterest.com/v5"
RATE_LIMIT_WAIT = 60.0

RETRY = RetryPolicy()
