"""Google Trends through SerpAPI's `google_trends` engine (interest over time, 0–100 per query).

One request per five topics (Google compares at most five queries at once): `data_type=TIMESERIES`,
`date=now 7-d`; the reading for the asked day is that day's point, velocity its change from the day
before. Per topic, `data_type=RELATED_QUERIES` adds its rising related queries to the raw payload
(the next topics to watch); that call failing never loses the reading. Rate limits and 5xx go through the shared retry policy; an error body or a missing timeline
is a `TrendSourceError` naming the topic batch.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import httpx

from marketing_engine.resources.http import ProviderError, send_with_retry
from marketing_engine.resources.trend_sources.base import reading
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError

ENDPOINT = "https://serpapi.com/search.json"
BATCH = 5


class GoogleTrendsSource:
    name = "google_trends"

    def __init__(
        self,
        api_key: str,
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
        rising_queries: bool = True,
        **retry,
    ):
        self._api_key = api_key
        self._client = client or httpx.Client(timeout=timeout_s)
        self._rising_queries = rising_queries
        self._retry = retry

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        readings = []
        for start in range(0, len(request.topics), BATCH):
            batch = request.topics[start : start + BATCH]
            readings += self._batch(batch, request)
        if self._rising_queries:
            readings = [replace(r, raw={**r.raw, **self._rising(r.topic, request)}) for r in readings]
        return readings

    def _get(self, params: dict, what: str) -> dict:
        params = {**params, "engine": "google_trends", "api_key": self._api_key}
        try:
            response = send_with_retry(
                self._client, "GET", ENDPOINT, provider="serpapi", params=params, **self._retry
            )
            body = response.json()
        except ProviderError as exc:
            raise TrendSourceError(self.name, str(exc)) from None
        except ValueError:
            raise TrendSourceError(self.name, f"answer for {what} is not JSON") from None
        if not isinstance(body, dict) or body.get("error"):
            raise TrendSourceError(
                self.name, f"{what}: {body.get('error') if isinstance(body, dict) else body}"
            )
        return body

    def _batch(self, topics: tuple[str, ...], request: FetchRequest) -> list[TrendReading]:
        geo = request.regions[0] if request.regions else ""
        body = self._get(
            {"q": ",".join(topics), "data_type": "TIMESERIES", "date": "now 7-d", "geo": geo},
            str(list(topics)),
        )
        try:
            timeline = body["interest_over_time"]["timeline_data"]
            by_day = {_day(point["timestamp"]): point["values"] for point in timeline}
        except (KeyError, TypeError, ValueError):
            raise TrendSourceError(self.name, f"no interest_over_time timeline for {list(topics)}") from None
        return [self._reading(topic, by_day, request.day) for topic in topics if request.day in by_day]

    def _rising(self, topic: str, request: FetchRequest) -> dict:
        """The topic's rising related queries (new topics to watch); a failure here only notes itself."""
        geo = request.regions[0] if request.regions else ""
        try:
            body = self._get(
                {"q": topic, "data_type": "RELATED_QUERIES", "date": "now 7-d", "geo": geo}, repr(topic)
            )
            rising = body.get("related_queries", {}).get("rising", [])
            return {
                "rising": [
                    {"query": str(q["query"]), "growth": q.get("extracted_value")} for q in rising[:10]
                ]
            }
        except TrendSourceError as exc:
            return {"rising_error": str(exc)}
        except (AttributeError, KeyError, TypeError):
            return {"rising_error": f"malformed related_queries for {topic!r}"}

    def _reading(self, topic: str, by_day: dict, day: date) -> TrendReading:
        today = _value(by_day[day], topic)
        earlier = [d for d in by_day if d < day]
        before = _value(by_day[max(earlier)], topic) if earlier else None
        return reading(self.name, day, topic, today, None, {"values": by_day[day]}, before)


def _day(timestamp: str) -> date:
    return datetime.fromtimestamp(int(timestamp), UTC).date()


def _value(values: list[dict], topic: str) -> float:
    for item in values:
        if item.get("query", "").lower() == topic.lower():
            return float(item.get("extracted_value", item.get("value", 0)) or 0)
    raise TrendSourceError("google_trends", f"timeline point has no value for {topic!r}")
