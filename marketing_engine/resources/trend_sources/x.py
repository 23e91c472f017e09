"""X API v2 via tweepy: recent tweet counts per topic (GET /2/tweets/counts/recent, daily buckets).

`interest` and `volume` are the day's tweet count (the snapshot rescales each source to its own
median before combining). Calls go through X's client and retry policy
(`marketing_engine.resources.platforms.x`); what still fails (a rate limit resetting later than the
policy waits, a refused token) becomes a `TrendSourceError` naming the topic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from marketing_engine.resources.platforms.x import XApi
from marketing_engine.resources.retry import ProviderError
from marketing_engine.resources.trend_sources.base import reading, source_error
from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError


class XTrendSource:
    name = "x"

    def __init__(self, bearer_token: str, **options):
        self._api = XApi(bearer_token, **options)

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        return [self._topic(topic, request.day) for topic in request.topics]

    def _topic(self, topic: str, day: date) -> TrendReading:
        start = datetime.combine(day - timedelta(days=1), time(), UTC)
        try:
            response = self._api.read(
                lambda: self._api.tweepy.get_recent_tweets_count(
                    query=f'"{topic}" -is:retweet',
                    granularity="day",
                    start_time=start,
                    end_time=start + timedelta(days=2),
                )
            )
        except ProviderError as exc:
            raise source_error(self.name, topic, exc) from None
        buckets = {}
        for bucket in response.data or []:
            try:
                buckets[datetime.fromisoformat(bucket["start"]).date()] = float(bucket["tweet_count"])
            except (KeyError, TypeError, ValueError):
                raise TrendSourceError(self.name, f"{topic!r}: malformed count bucket {bucket!r}") from None
        if day not in buckets:
            raise TrendSourceError(self.name, f"{topic!r}: no count for {day} in the answer")
        before = buckets.get(day - timedelta(days=1))
        count = buckets[day]
        return reading(self.name, day, topic, count, count, {"buckets": response.data}, before)
