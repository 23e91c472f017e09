"""LinkedIn REST API host, version and retry policy.

Docs: https://learn.microsoft.com/en-us/linkedin/marketing/versioning (monthly versions, each
supported for a year), https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits,
https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
"""

from marketing_engine.resources.retry import RetryPolicy

API_URL = "https://api.linkedin.com"
REST_URL = f"{API_URL}/rest"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
VERSION = "202511"
RESTLI_PROTOCOL = "2.0.0"
RATE_LIMIT_WAIT = 60.0

RETRY = RetryPolicy()
