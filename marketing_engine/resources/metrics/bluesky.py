"""Bluesky post metrics over XRPC: `app.bsky.feed.getPosts?uris=at://…` (≤ 25 a call; docs:
https://docs.bsky.app/docs/api/app-bsky-feed-get-posts) gives each post's likeCount, repostCount,
replyCount and quoteCount, on a session of the brand's account (BLUESKY_HANDLE and
BLUESKY_APP_PASSWORD, as the publisher logs in).

Bluesky reports no impressions or clicks: impressions and clicks are 0, engagements the sum of the
four counts, and the engagement rate is engagements per follower of the account
(`app.bsky.actor.getProfile` followersCount, one call), the reach Bluesky does report. An expired
session (`ExpiredToken`) is renewed once (refreshSession, else a new session); rate limits and 5xx
go through Bluesky's client and retry policy. The publisher stores the post's `at://` URI.
"""

from __future__ import annotations

from typing import Any

from marketing_engine.resources.http import json_object
from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on, refreshed
from marketing_engine.resources.platforms.bluesky import BlueskyApi
from marketing_engine.resources.retry import ProviderError

PROVIDER = "bluesky"
BATCH = 25
_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")


class BlueskyMetricsBackend:
    def __init__(self, handle: str, app_password: str, **options: Any):
        """`options`: service, client, sleep … as `BlueskyApi` takes them."""
        self.api = BlueskyApi(handle, app_password, **options)

    def _get(self, method: str, params: Any) -> dict:
        self.api.session()
        response = refreshed(
            PROVIDER,
            lambda: self.api.request("GET", self.api.xrpc(method), params=params),
            self._renew,
            "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD",
            frozenset({"ExpiredToken", "InvalidToken"}),
        )
        return json_object(response, PROVIDER)

    def _renew(self) -> bool:
        """A new access token: refreshSession, or a new session when the refresh token is spent."""
        try:
            return self.api.refresh()
        except ProviderError:
            self.api.access_jwt = self.api.refresh_jwt = None
            self.api.session()
            return True

    def post_counts(self, uris: list[str]) -> dict[str, int]:
        """post URI -> engagements; posts Bluesky no longer has are left out."""
        found: dict[str, int] = {}
        for start in range(0, len(uris), BATCH):
            body = self._get("app.bsky.feed.getPosts", [("uris", uri) for uri in uris[start : start + BATCH]])
            try:
                for post in body["posts"]:
                    found[post["uri"]] = sum(int(post.get(name, 0)) for name in _COUNTS)
            except (KeyError, TypeError, ValueError) as exc:
                raise ProviderError(
                    PROVIDER, f"malformed getPosts answer ({type(exc).__name__}: {exc})"
                ) from None
        return found

    def followers(self) -> int:
        body = self._get("app.bsky.actor.getProfile", {"actor": self.api.did or self.api.handle})
        try:
            return int(body["followersCount"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(
                PROVIDER, f"malformed getProfile answer ({type(exc).__name__}: {exc})"
            ) from None

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = posts_on("bluesky", posts)
        if not mine:
            return []
        counts = self.post_counts([str(p["platform_post_id"]) for p in mine])
        reach = max(self.followers(), 1)
        return [
            measured_row(
                post,
                {"impressions": 0, "engagements": counts[str(post["platform_post_id"])]},
                PROVIDER,
                counts[str(post["platform_post_id"])] / reach,
            )
            for post in mine
            if str(post["platform_post_id"]) in counts
        ]
