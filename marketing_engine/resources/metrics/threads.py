"""Threads post metrics: `GET https://graph.threads.net/v1.0/{media-id}/insights
?metric=views,likes,replies,reposts,quotes` (docs:
https://developers.facebook.com/docs/threads/insights, scope `threads_manage_insights`), one call a
post, on THREADS_TOKEN. Views are the impressions; likes, replies, reposts and quotes the
engagements; Threads reports no clicks per post. An expired token (Graph code 190) is traded once
for a new long-lived one (`th_refresh_token`); rate limits and 5xx go through Meta's Graph client and
retry policy. The publisher stores the media id `threads_publish` returned.
"""

from __future__ import annotations

from typing import Any

from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on, refreshed
from marketing_engine.resources.metrics.meta import insight_values
from marketing_engine.resources.platforms.meta import GraphClient, settings

PROVIDER = "threads"
METRICS = "views,likes,replies,reposts,quotes"
_INTERACTIONS = ("likes", "replies", "reposts", "quotes")


class ThreadsInsightsBackend:
    def __init__(self, token: str, **options: Any):
        """`options`: client, sleep … as `GraphClient` takes them."""
        self.graph = GraphClient.threads(token, **options)

    def insights(self, media_id: str) -> dict:
        """{impressions, engagements} of one Threads post."""
        url = self.graph.url(f"{media_id}/insights")
        response = refreshed(
            PROVIDER,
            lambda: self.graph.request("GET", url, params=self.graph.params(metric=METRICS)),
            self.graph.refresh,
            "a long-lived THREADS_TOKEN (a short-lived one cannot be refreshed)",
            frozenset({str(settings.EXPIRED_TOKEN_CODE)}),
        )
        values = insight_values(response, PROVIDER)
        return {
            "impressions": int(values.get("views", 0)),
            "engagements": sum(int(values.get(k, 0)) for k in _INTERACTIONS),
        }

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return [
            measured_row(post, self.insights(str(post["platform_post_id"])), PROVIDER)
            for post in posts_on("threads", posts)
        ]
