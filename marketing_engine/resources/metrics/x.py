"""X (Twitter) API v2 post metrics through tweepy: `GET /2/tweets?ids=…&tweet.fields=public_metrics`.

Docs: https://docs.x.com/x-api/posts/get-posts-by-ids (up to 100 ids per call; `public_metrics`
carries impression, like, reply, retweet, quote and bookmark counts). Engagements are the sum of
the interactions; clicks are not public and stay 0. Calls go through X's client and retry policy
(`marketing_engine.resources.platforms.x`).
"""

from __future__ import annotations

from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on
from marketing_engine.resources.platforms.x import XApi

BATCH = 100
_INTERACTIONS = ("like_count", "reply_count", "retweet_count", "quote_count", "bookmark_count")


class XMetricsBackend:
    def __init__(self, bearer_token: str, **options):
        self.api = XApi(bearer_token, **options)
        self.client = self.api.tweepy

    def public_metrics(self, post_ids: list[str]) -> dict[str, dict]:
        """post id -> {impressions, engagements}; ids X no longer has are left out."""
        found: dict[str, dict] = {}
        for start in range(0, len(post_ids), BATCH):
            ids = post_ids[start : start + BATCH]
            response = self.api.read(
                lambda ids=ids: self.client.get_tweets(ids, tweet_fields=["public_metrics"])
            )
            for tweet in response.data or []:
                metrics = tweet.public_metrics or {}
                found[str(tweet.id)] = {
                    "impressions": int(metrics.get("impression_count", 0)),
                    "engagements": int(sum(metrics.get(k, 0) for k in _INTERACTIONS)),
                }
        return found

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []  # X reports post metrics, not customer journeys

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = posts_on("x", posts)
        measured = self.public_metrics([p["platform_post_id"] for p in mine])
        return [
            measured_row(post, measured[post["platform_post_id"]], "x")
            for post in mine
            if post["platform_post_id"] in measured
        ]
