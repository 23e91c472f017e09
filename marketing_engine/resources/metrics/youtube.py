"""YouTube Analytics API v2: views, likes, comments and shares of the brand's videos for one day
(`reports.query` with `dimensions=video` and a `video==id1,id2` filter; docs:
https://developers.google.com/youtube/analytics/reference/reports/query)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.google import build_service, execute, settings

PROVIDER = "youtube_analytics"
METRICS = "views,likes,comments,shares"
BATCH = 200  # ids per filter, well under the API's limit


class YouTubeAnalyticsBackend:
    def __init__(self, token: OAuthToken | None = None, http: Any = None):
        """`token`: the user's OAuth token (refreshed by google-auth); `http`: the httplib2 transport
        under it (tests), or, without a token, an already authorized one."""
        self.service = build_service(
            settings.YOUTUBE_ANALYTICS, http=http, token=token, scopes=[settings.YOUTUBE_ANALYTICS_SCOPE]
        )

    def video_metrics(self, video_ids: list[str], day: date) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(video_ids), BATCH):
            ids = video_ids[start : start + BATCH]
            request = self.service.reports().query(
                ids="channel==MINE",
                startDate=day.isoformat(),
                endDate=day.isoformat(),
                metrics=METRICS,
                dimensions="video",
                filters="video==" + ",".join(ids),
            )
            table = execute(PROVIDER, request.execute)
            try:
                names = [h["name"] for h in table["columnHeaders"]]
                for row in table.get("rows", []):
                    values = dict(zip(names, row))
                    interactions = sum(int(values.get(k, 0)) for k in ("likes", "comments", "shares"))
                    found[str(values["video"])] = {
                        "impressions": int(values.get("views", 0)),
                        "engagements": interactions,
                    }
            except (KeyError, TypeError, ValueError) as exc:
                raise ProviderError(PROVIDER, f"malformed reports.query response ({exc!r})") from None
        return found

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        mine = posts_on("youtube", posts)
        measured = self.video_metrics([p["platform_post_id"] for p in mine], request.day)
        return [
            measured_row(post, measured[post["platform_post_id"]], "youtube")
            for post in mine
            if post["platform_post_id"] in measured
        ]
