"""Graph API hosts, versions, error codes and retry policy.

Docs: https://developers.facebook.com/docs/graph-api/guides/error-handling,
https://developers.facebook.com/docs/graph-api/overview/rate-limiting
"""

from marketing_engine.resources.retry import RetryPolicy

GRAPH_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
THREADS_URL = "https://graph.threads.net"
THREADS_VERSION = "v1.0"
THREADS_REFRESH_URL = f"{THREADS_URL}/refresh_access_token"

# Rate limits and expired tokens come back as codes in a JSON body, often with HTTP 400.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80004})
TRANSIENT_CODES = frozenset({1, 2})
EXPIRED_TOKEN_CODE = 190
# Graph rate limits rarely name a wait; the usage headers reset within the hour: look in five minutes.
RATE_LIMIT_WAIT = 300.0

RETRY = RetryPolicy(rate_limit_wait=RATE_LIMIT_WAIT)
