"""Bluesky service host and retry policy.

Docs: https://docs.bsky.app/docs/advanced-guides/rate-limits (`ratelimit-reset`, epoch seconds),
https://docs.bsky.app/docs/api/com-atproto-server-create-session
"""

from marketing_engine.resources.retry import RetryPolicy

SERVICE_URL = "https://bsky.social"
RATE_LIMIT_WAIT = 60.0

RETRY = RetryPolicy()
