"""X API v2 via tweepy: recent tweet counts per topic (GET /2/tweets/counts/recent, daily buckets).

`interest` and `volume` are the day's tweet count (the snapshot rescales each source to its own
median before combining). tweepy's own errors (TooManyRequests with the reset header, Unauthorized,
HTTPException) become `TrendSourceError`s naming the topic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError


class XTrendSource:
    name = "x"

    def __init__(self, bearer_token: str):
        import tweepy

        self._tweepy = tweepy
        self._client = tweepy.Client(bearer_token=bearer_token, wait_on_rate_limit=False)

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        return [self._topic(topic, request.day) for topic in request.topics]

    def _topic(self, topic: str, day: date) -> TrendReading:
        start = datetime.combine(day - timedelta(days=1), time(), UTC)
        try:
            response = self._client.get_recent_tweets_count(
                query=f'"{topic}" -is:retweet',
                granularity="day",
                start_time=start,
                end_time=start + timedelta(days=2),
            )
        except self._tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset", "?")
            raise TrendSourceError(
                self.name, f"rate limited for {topic!r} (resets at epoch {reset})"
            ) from None
        except self._tweepy.TweepyException as exc:
            raise TrendSourceError(self.name, f"{topic!r}: {type(exc).__name__}: {exc}") from None
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
        return TrendReading(
            day=day,
            source=self.name,
            topic=topic,
            interest=count,
            volume=count,
            velocity=(count / before - 1.0) if before else None,
            raw={"buckets": response.data},
        )
