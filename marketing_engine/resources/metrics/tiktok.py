"""TikTok post metrics through the Display API: `POST /v2/video/query/?fields=id,view_count,
like_count,comment_count,share_count` with `{"filters": {"video_ids": [...]}}` (≤ 20 ids a call;
docs: https://developers.tiktok.com/doc/tiktok-api-v2-video-query, scope `video.list`) on the user's
token (TIKTOK_ACCESS_TOKEN; refreshed once on a 401 when TIKTOK_REFRESH_TOKEN, TIKTOK_CLIENT_KEY and
TIKTOK_CLIENT_SECRET are set). Views are the impressions; likes, comments and shares the
engagements; TikTok reports no clicks. Errors come as `{"error": {"code", "message"}}`, sometimes
with HTTP 200; rate limits and 5xx go through TikTok's client and retry policy.

The publisher stores the public video id TikTok gave (`publicaly_available_post_id`); a post it
could only store the publish id of (`v_pub_…`: TikTok gave no public id) cannot be asked about.
"""

from __future__ import annotations

from typing import Any

import httpx

from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on, refreshed
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.tiktok import TikTokApi, settings, tiktok_error
from marketing_engine.resources.retry import ProviderError

PROVIDER = "tiktok"
BATCH = 20
FIELDS = "id,view_count,like_count,comment_count,share_count"
_INTERACTIONS = ("like_count", "comment_count", "share_count")


class TikTokMetricsBackend:
    def __init__(self, token: OAuthToken, **options: Any):
        """`options`: base_url, client, sleep … as `TikTokApi` takes them."""
        self.api = TikTokApi(token, **options)

    def video_counts(self, video_ids: list[str]) -> dict[str, dict]:
        """video id -> {impressions, engagements}; videos TikTok does not return are left out."""
        found: dict[str, dict] = {}
        for start in range(0, len(video_ids), BATCH):
            for video in self._query(video_ids[start : start + BATCH]):
                try:
                    found[str(video["id"])] = {
                        "impressions": int(video.get("view_count", 0)),
                        "engagements": sum(int(video.get(k, 0)) for k in _INTERACTIONS),
                    }
                except (KeyError, TypeError, ValueError) as exc:
                    raise ProviderError(PROVIDER, f"malformed video/query answer ({exc!r})") from None
        return found

    def _query(self, ids: list[str]) -> list[dict]:
        needs = "TIKTOK_REFRESH_TOKEN, TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET"
        return refreshed(PROVIDER, lambda: self._videos(ids), self.api.refresh, needs)

    def _videos(self, ids: list[str]) -> list[dict]:
        response = self.api.request(
            "POST",
            settings.VIDEO_QUERY_URL.replace(settings.API_URL, self.api.base),
            params={"fields": FIELDS},
            json={"filters": {"video_ids": ids}},
        )
        return _videos(response)

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = [p for p in posts_on("tiktok", posts) if str(p["platform_post_id"]).isdigit()]
        counts = self.video_counts([str(p["platform_post_id"]) for p in mine])
        return [
            measured_row(post, counts[str(post["platform_post_id"])], PROVIDER)
            for post in mine
            if str(post["platform_post_id"]) in counts
        ]


def _videos(response: httpx.Response) -> list[dict]:
    code, message = tiktok_error(response)
    if code != "ok":  # an error TikTok answered with HTTP 200
        raise ProviderError(PROVIDER, f"{code}: {message}", response.status_code, code=code)
    try:
        videos = response.json()["data"].get("videos") or []
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProviderError(
            PROVIDER, f"malformed video/query answer ({type(exc).__name__})", response.status_code
        ) from None
    if not isinstance(videos, list):
        raise ProviderError(PROVIDER, "malformed video/query answer (videos is not a list)")
    return videos
