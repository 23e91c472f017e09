"""TikTok Research API (httpx): videos per topic per day, and their views.

Client-credentials token from /v2/oauth/token/, then /v2/research/video/query/ with a keyword
condition for the day. `interest` is the number of matching videos (first page, up to 100),
`volume` their summed views. A brand without Research API access simply leaves it unconfigured.
"""

from __future__ import annotations

import httpx

from marketing_engine.resources.http import ProviderError, send_with_retry
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError

TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/"
QUERY_URL = "https://open.tiktokapis.com/v2/research/video/query/"


class TikTokTrendSource:
    name = "tiktok"

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
        **retry,
    ):
        self._key, self._secret = client_key, client_secret
        self._client = client or httpx.Client(timeout=timeout_s)
        self._retry = retry
        self._token: str | None = None

    def _call(self, url: str, **kwargs) -> dict:
        try:
            body = send_with_retry(
                self._client, "POST", url, provider="tiktok", **self._retry, **kwargs
            ).json()
        except ProviderError as exc:
            raise TrendSourceError(self.name, str(exc)) from None
        except ValueError:
            raise TrendSourceError(self.name, f"answer from {url} is not JSON") from None
        if not isinstance(body, dict):
            raise TrendSourceError(self.name, f"answer from {url} is not an object")
        return body

    def token(self) -> str:
        if self._token is None:
            body = self._call(
                TOKEN_URL,
                data={
                    "client_key": self._key,
                    "client_secret": self._secret,
                    "grant_type": "client_credentials",
                },
            )
            if "access_token" not in body:
                raise TrendSourceError(
                    self.name, f"no access token: {body.get('error_description') or body.get('error')}"
                )
            self._token = str(body["access_token"])
        return self._token

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        return [self._topic(topic, request) for topic in request.topics]

    def _topic(self, topic: str, request: FetchRequest) -> TrendReading:
        day = request.day.strftime("%Y%m%d")
        conditions = [{"operation": "IN", "field_name": "keyword", "field_values": [topic]}]
        if request.regions:
            conditions.append(
                {"operation": "IN", "field_name": "region_code", "field_values": list(request.regions)}
            )
        body = self._call(
            QUERY_URL,
            params={"fields": "id,view_count,create_time"},
            headers={"Authorization": f"Bearer {self.token()}"},
            json={"query": {"and": conditions}, "start_date": day, "end_date": day, "max_count": 100},
        )
        error = body.get("error") or {}
        if error.get("code") not in (None, "ok"):
            raise TrendSourceError(self.name, f"{topic!r}: {error.get('code')}: {error.get('message')}")
        try:
            videos = body["data"]["videos"]
            views = sum(float(v.get("view_count", 0)) for v in videos)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TrendSourceError(self.name, f"{topic!r}: answer has no data.videos list") from None
        return TrendReading(
            day=request.day,
            source=self.name,
            topic=topic,
            interest=float(len(videos)),
            volume=views,
            raw={"videos": len(videos), "has_more": body["data"].get("has_more")},
        )
