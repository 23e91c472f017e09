"""TikTok API host, endpoints, error codes and retry policy.

Docs: https://developers.tiktok.com/doc/content-posting-api-reference-direct-post,
https://developers.tiktok.com/doc/research-api-specs-query-videos,
https://developers.tiktok.com/doc/tiktok-api-v2-video-query,
https://developers.tiktok.com/doc/oauth-user-access-token-management,
https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit (per-minute windows)
"""

from marketing_engine.resources.retry import RetryPolicy

API_URL = "https://open.tiktokapis.com"
TOKEN_URL = f"{API_URL}/v2/oauth/token/"
RESEARCH_QUERY_URL = f"{API_URL}/v2/research/video/query/"
VIDEO_QUERY_URL = f"{API_URL}/v2/video/query/"  # Display API: the user's own videos, ≤ 20 ids a call
RATE_LIMIT_CODES = frozenset({"rate_limit_exceeded", "spam_risk_too_many_posts"})
EXPIRED_TOKEN_CODES = frozenset({"access_token_invalid", "token_expired"})
RATE_LIMIT_WAIT = 60.0

RETRY = RetryPolicy()
