"""Reddit API settings and retry policy.

Docs: https://github.com/reddit-archive/reddit/wiki/API (rate limits: `X-Ratelimit-Reset` in
seconds), https://praw.readthedocs.io/en/stable/
"""

from marketing_engine.resources.retry import RetryPolicy

API_URL = "https://oauth.reddit.com"
WWW_URL = "https://www.reddit.com"  # where the OAuth token comes from
PUBLISH_USER_AGENT = "marketing-engine/0.1 (by the brand's account)"
TRENDS_USER_AGENT = "marketing-engine/0.1 (trend monitor)"
DISCOVERY_USER_AGENT = "marketing-engine/0.1 (community discovery)"
METRICS_USER_AGENT = "marketing-engine/0.1 (post metrics)"
# A 429 that names no reset: Reddit's windows are ten minutes, but a minute is usually enough.
RATE_LIMIT_WAIT = 60.0
# "You are doing that too much" without a number of minutes in it.
SUBMIT_RATE_LIMIT_WAIT = 600.0

RETRY = RetryPolicy(rate_limit_wait=RATE_LIMIT_WAIT)
