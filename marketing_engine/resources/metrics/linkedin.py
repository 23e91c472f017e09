"""LinkedIn organization share statistics for the brand's published posts (httpx).

`GET https://api.linkedin.com/rest/organizationalEntityShareStatistics?q=organizationalEntity
&organizationalEntity=urn:li:organization:{id}&shares=List(urn:li:share:…)&ugcPosts=List(urn:li:ugcPost:…)`
with `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0` headers (docs:
https://learn.microsoft.com/linkedin/marketing/community-management/organizations/share-statistics).
Each element carries `totalShareStatistics` (impressionCount, clickCount, likeCount, commentCount,
shareCount) and the post's urn under `share` or `ugcPost`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.linkedin import LinkedInApi

PROVIDER = "linkedin"


class LinkedInStatsBackend:
    def __init__(self, access_token: str, organization_id: str, **options: Any):
        """`options`: base_url, client … as `LinkedInApi` takes them."""
        self.api = LinkedInApi(OAuthToken(access_token), **options)
        self.url = f"{self.api.base}/rest/organizationalEntityShareStatistics"
        self.organization = f"urn:li:organization:{organization_id}"

    def share_statistics(self, urns: list[str]) -> dict[str, dict]:
        """post urn -> {impressions, engagements, clicks}."""
        shares = [u for u in urns if u.startswith("urn:li:share:")]
        ugc = [u for u in urns if u.startswith("urn:li:ugcPost:")]
        if not shares and not ugc:
            return {}
        # Rest.li 2.0 lists: List(urn1,urn2) with each urn URL-encoded, sent pre-encoded.
        query = f"q=organizationalEntity&organizationalEntity={quote(self.organization, safe='')}"
        for name, items in (("shares", shares), ("ugcPosts", ugc)):
            if items:
                query += f"&{name}=List({','.join(quote(u, safe='') for u in items)})"
        response = self.api.request("GET", f"{self.url}?{query}")
        try:
            found = {}
            for element in response.json()["elements"]:
                stats = element["totalShareStatistics"]
                clicks = int(stats.get("clickCount", 0))
                interactions = sum(int(stats.get(k, 0)) for k in ("likeCount", "commentCount", "shareCount"))
                found[element.get("share") or element["ugcPost"]] = {
                    "impressions": int(stats.get("impressionCount", 0)),
                    "engagements": interactions + clicks,
                    "clicks": clicks,
                }
            return found
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                PROVIDER, f"malformed share statistics ({type(exc).__name__}: {exc})", response.status_code
            ) from None

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = posts_on("linkedin", posts)
        measured = self.share_statistics([p["platform_post_id"] for p in mine])
        return [
            measured_row(post, measured[post["platform_post_id"]], "linkedin")
            for post in mine
            if post["platform_post_id"] in measured
        ]
