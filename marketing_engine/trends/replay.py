"""The offline trend source: a replay of each brand's own topics, generated, never shipped.

Every topic the brand asks about (its seed topics) or watches (`FetchRequest.related`: its products
and top keywords) gets three years of daily history from `replay_data.topic_panel`, seeded by the
topic's text, so any brand in any language gets deterministic readings about its own words. Each
platform sees the same underlying interest with its own scale, noise and lag (news and YouTube react
a day later), and one-day blips belong to a single platform — so cross-platform confirmation
separates real spikes from one platform's glitch. Days outside the three years wrap by whole
156-week cycles (weekdays stay aligned).

The items a platform "finds" for a topic on a day (news headlines, community threads, video titles,
rising related searches) are written from generic title frames in the audience's language
(`data/frames/trends/<lang>.yaml`) and the brand's own topics; how many follows the day's interest.

Tests and the offline demo inject spikes with `InjectedSpike`: a true spike on every source, shaped
like the generated ones (70 % of the peak on the first day, the peak on the second, then a decay).
A spike without a topic lands on the first topic asked about (the brand's first seed topic).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from marketing_engine.brand import slug
from marketing_engine.provenance import SIMULATOR
from marketing_engine.trends.readings import SOURCES, FetchRequest, TrendReading, TrendSourceError
from marketing_engine.trends.replay_data import (
    REPLAY_DAYS,
    REPLAY_START,
    normalize_topic,
    topic_panel,
    topic_seed,
)

_CYCLE = 156 * 7
# (interest scale, volume per interest point, noise σ in log units, lag in days)
PLATFORM = {
    "google_trends": (1.0, 1.0, 0.05, 0),
    "x": (0.9, 40.0, 0.12, 0),
    "reddit": (0.8, 0.6, 0.15, 0),
    "youtube": (1.1, 900.0, 0.10, 1),
    "news": (0.7, 0.3, 0.12, 1),
    "tiktok": (1.2, 1500.0, 0.14, 0),
}
MAX_ITEMS = 5  # items a platform lists per topic and day
NEWS_HOST = "https://news.example"  # a reserved domain: offline headlines link nowhere real
_TITLE_FRAMES = {"news": "news_titles", "reddit": "reddit_titles", "youtube": "youtube_titles"}


@dataclass(frozen=True)
class InjectedSpike:
    topic: str | None
    start: date
    multiplier: float = 4.0
    half_life_days: float = 6.0

    def factor(self, day: date) -> float:
        offset = (day - self.start).days
        if offset < 0:
            return 1.0
        shape = 0.7 if offset == 0 else float(np.exp(-np.log(2) * (offset - 1) / self.half_life_days))
        return 1.0 + (self.multiplier - 1.0) * shape


@dataclass(frozen=True)
class _TopicSeries:
    clean: np.ndarray  # (days,) interest without blips
    blips: np.ndarray  # rows (day, multiplier, source index)
    typical: float  # the median interest: what "a normal day" means for this topic
    seed: int


@lru_cache(maxsize=4096)
def _series(key: str) -> _TopicSeries:
    panel = topic_panel((key,), REPLAY_DAYS, REPLAY_START)
    return _TopicSeries(panel.clean[0], panel.blips[:, 1:], float(np.median(panel.clean[0])), topic_seed(key))


def _day_index(day: date) -> int:
    offset = (day - REPLAY_START).days
    return offset % _CYCLE if not 0 <= offset < REPLAY_DAYS else offset


def _universe(request: FetchRequest) -> list[str]:
    """The asked topics, then the related ones; one entry per topic however it is spelled."""
    seen: dict[str, str] = {}
    for topic in (*request.topics, *request.related):
        seen.setdefault(normalize_topic(topic), topic)
    return list(seen.values())


class ReplaySource:
    """One platform's offline backend over the brand's generated topic series."""

    def __init__(self, source: str, injected: tuple[InjectedSpike, ...] = ()):
        if source not in PLATFORM:
            raise TrendSourceError(source, f"no replay profile (known: {', '.join(PLATFORM)})")
        self.source = source
        self.injected = injected

    def _spikes(self, request: FetchRequest) -> list[tuple[str, InjectedSpike]]:
        spikes = []
        for spike in self.injected:
            topic = spike.topic or (request.topics[0] if request.topics else None)
            if topic:
                spikes.append((normalize_topic(topic), replace(spike, topic=topic)))
        return spikes

    def interest(
        self, topics: list[str], day: date, spikes: list[tuple[str, InjectedSpike]] = ()
    ) -> np.ndarray:
        scale, _volume, sigma, lag = PLATFORM[self.source]
        lagged = day - timedelta(days=lag)
        index = _day_index(lagged)
        source_index = SOURCES.index(self.source)
        values = np.empty(len(topics))
        for position, topic in enumerate(topics):
            key = normalize_topic(topic)
            series = _series(key)
            value = float(series.clean[index]) * scale
            mine = series.blips[(series.blips[:, 0] == index) & (series.blips[:, 2] == source_index)]
            value *= float(np.prod(mine[:, 1])) if len(mine) else 1.0
            # Noise seeded by (source, day, topic): the same question always gets the same answer.
            rng = np.random.default_rng([source_index, index, series.seed])
            value *= float(np.exp(rng.normal(0.0, sigma)))
            for spike_key, spike in spikes:
                if spike_key == key:
                    value *= spike.factor(lagged)
            values[position] = value
        return values

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        """Readings for the asked topics and every related topic the brand watches."""
        topics = _universe(request)
        spikes = self._spikes(request)
        today = self.interest(topics, request.day, spikes)
        yesterday = self.interest(topics, request.day - timedelta(days=1), spikes)
        scale, per_point, _sigma, _lag = PLATFORM[self.source]
        velocity = today / np.maximum(yesterday, 1e-9) - 1.0
        readings = []
        for position, topic in enumerate(topics):
            series = _series(normalize_topic(topic))
            raw = self._items(request, topic, float(today[position]) / (series.typical * scale), series.seed)
            if self.source == "google_trends":
                raw["rising"] = _rising(topics, position, velocity)
            readings.append(
                TrendReading(
                    day=request.day,
                    source=self.source,
                    topic=topic,
                    interest=round(float(today[position]), 4),
                    volume=round(float(today[position]) * per_point, 1),
                    velocity=round(float(velocity[position]), 4),
                    raw=raw,
                    provenance=SIMULATOR,
                )
            )
        return readings

    def _items(self, request: FetchRequest, topic: str, ratio: float, seed: int) -> dict:
        """What the platform lists for the topic that day: more items the more it is talked about."""
        if self.source not in _TITLE_FRAMES:
            return {}
        from marketing_engine.wording import frames

        count = min(MAX_ITEMS, int(max(ratio, 0.0) ** 1.5))
        pool = list(frames("trends", request.language)[_TITLE_FRAMES[self.source]])
        rng = random.Random(f"{seed}|{self.source}|{request.day.isoformat()}")
        titles = [fill_title(frame, topic) for frame in rng.sample(pool, min(count, len(pool)))]
        if self.source == "news":
            key = slug(topic) or "topic"
            return {
                "headlines": [
                    {"title": title, "link": f"{NEWS_HOST}/{request.day.isoformat()}/{key}-{n}"}
                    for n, title in enumerate(titles, start=1)
                ]
            }
        if self.source == "reddit":
            places = list(request.communities) or ["all"]
            return {
                "communities": "+".join(places),
                "posts": [
                    {"title": title, "subreddit": rng.choice(places), "comments": rng.randint(2, 40)}
                    for title in titles
                ],
            }
        return {"videos": len(titles), "on_most_popular": 0, "titles": titles}


def fill_title(frame: str, topic: str) -> str:
    return frame.format(topic=topic, Topic=topic[:1].upper() + topic[1:])


def _rising(topics: list[str], position: int, velocity: np.ndarray) -> list[dict]:
    """Related searches on the rise: the brand's other topics that share a word with this one and
    grew since yesterday, fastest first (the shape SerpAPI's rising related queries have)."""
    words = {w for w in normalize_topic(topics[position]).split() if len(w) > 2}
    rising = [
        {"query": other, "growth": round(float(velocity[i]) * 100)}
        for i, other in enumerate(topics)
        if i != position and velocity[i] > 0 and words & set(normalize_topic(other).split())
    ]
    return sorted(rising, key=lambda item: -item["growth"])[:MAX_ITEMS]
