"""TikTok Research API (httpx): videos per topic per day, and their views.

Client-credentials token from /v2/oauth/token/, then /v2/research/video/query/ with a keyword
condition for the day. `interest` is the number of matching videos (first page, up to 100),
`volume` their summed views. A brand without Research API access simply leaves it unconfigured.
Calls go through TikTok's client and retry policy (`marketing_engine.resources.platforms.tiktok`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx

from marketing_engine.resources.platforms.tiktok import TikTokApi, settings
from marketing_engine.resources.retry import ProviderError
from marketing_engine.resources.trend_sources.base import reading
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError

TOKEN_URL = settings.TOKEN_URL
QUERY_URL = settings.RESEARCH_QUERY_URL
T = TypeVar("T")


class TikTokTrendSource:
    name = "tiktok"

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
        sleep=None,
        max_retries: int | None = None,
    ):
        policy = settings.RETRY if max_retries is None else settings.RETRY.tries(max_retries)
        transport = {"client": client, "timeout": timeout_s, "sleep": sleep, "policy": policy}
        self._api = TikTokApi(client_key=client_key, client_secret=client_secret, **transport)

    def _call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except ProviderError as exc:
            raise TrendSourceError(self.name, str(exc)) from None

    def token(self) -> str:
        return self._call(self._api.app_token)

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        return [self._topic(topic, request) for topic in request.topics]

    def _topic(self, topic: str, request: FetchRequest) -> TrendReading:
        day = request.day.strftime("%Y%m%d")
        conditions = [{"operation": "IN", "field_name": "keyword", "field_values": [topic]}]
        if request.regions:
            conditions.append(
                {"operation": "IN", "field_name": "region_code", "field_values": list(request.regions)}
            )
        self.token()
        body = self._call(
            lambda: self._api.post_json(
                QUERY_URL,
                params={"fields": "id,view_count,create_time"},
                json={"query": {"and": conditions}, "start_date": day, "end_date": day, "max_count": 100},
            ),
        )
        error = body.get("error") or {}
        if error.get("code") not in (None, "ok"):
            raise TrendSourceError(self.name, f"{topic!r}: {error.get('code')}: {error.get('message')}")
        try:
            videos = body["data"]["videos"]
            views = sum(float(v.get("view_count", 0)) for v in videos)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TrendSourceError(self.name, f"{topic!r}: answer has no data.videos list") from None
        raw = {"videos": len(videos), "has_more": body["data"].get("has_more")}
        return reading(self.name, request.day, topic, float(len(videos)), views, raw)
