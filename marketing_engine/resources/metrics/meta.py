"""Meta Graph API insights for published Facebook Page posts and Instagram media (httpx).

Facebook: `GET /{version}/{post-id}/insights?metric=post_impressions,post_clicks,post_reactions_by_type_total`
(docs: https://developers.facebook.com/docs/graph-api/reference/post/insights). Instagram:
`GET /{version}/{media-id}/insights?metric=reach,total_interactions`
(docs: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
Each answer is `{"data": [{"name", "period", "values": [{"value"}]}]}`; Graph errors
(`{"error": {"message", "code"}}`) become ProviderErrors through Meta's client and retry policy
(`marketing_engine.resources.platforms.meta`).
"""

from __future__ import annotations

from typing import Any

import httpx

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest, measured_row
from marketing_engine.resources.platforms.meta import GraphClient

PROVIDER = "meta"
METRICS = {
    "facebook": "post_impressions,post_clicks,post_reactions_by_type_total",
    "instagram": "reach,total_interactions",
}


class MetaInsightsBackend:
    def __init__(self, access_token: str, **graph_options: Any):
        """`graph_options`: base_url, version, client … as `GraphClient` takes them."""
        self.graph = GraphClient(access_token, PROVIDER, **graph_options)

    def insights(self, platform: str, post_id: str) -> dict:
        """{impressions, engagements, clicks} of one Facebook post or Instagram media."""
        if platform not in METRICS:
            raise ProviderError(PROVIDER, f"no insights for platform {platform!r} (facebook or instagram)")
        response = self.graph.request(
            "GET", self.graph.url(f"{post_id}/insights"), params=self.graph.params(metric=METRICS[platform])
        )
        values = insight_values(response)
        if platform == "facebook":
            reactions = values.get("post_reactions_by_type_total", {})
            reacted = sum(reactions.values()) if isinstance(reactions, dict) else int(reactions or 0)
            clicks = int(values.get("post_clicks", 0))
            return {
                "impressions": int(values.get("post_impressions", 0)),
                "engagements": reacted + clicks,
                "clicks": clicks,
            }
        return {
            "impressions": int(values.get("reach", 0)),
            "engagements": int(values.get("total_interactions", 0)),
            "clicks": 0,
        }

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []  # Graph insights are per post, not customer journeys

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return [
            measured_row(post, self.insights(post["platform"], post["platform_post_id"]), PROVIDER)
            for post in posts
            if post["platform"] in METRICS and post.get("platform_post_id")
        ]


def insight_values(response: httpx.Response, provider: str = PROVIDER) -> dict:
    """{metric name: its value} of a Graph insights answer (Facebook, Instagram and Threads alike)."""
    try:
        return {item["name"]: item["values"][0]["value"] for item in response.json()["data"]}
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(
            provider, f"malformed insights response ({type(exc).__name__}: {exc})", response.status_code
        ) from None
