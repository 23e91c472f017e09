"""The offline trend source: replay of the shipped daily series (and local RSS files for news).

Each platform sees the same underlying topic interest with its own scale, noise and lag (news and
YouTube react a day later), and one-day blips belong to a single platform — so cross-platform
confirmation separates real spikes from one platform's glitch. Days outside the shipped three years
wrap by whole 156-week cycles (weekdays stay aligned). Topics not in the data set (another brand's
seed topics) map to a shipped series by a stable hash, so any brand gets deterministic readings.

Tests (and the example brand's demo) inject spikes with `InjectedSpike`: a true spike on every
source, shaped like the shipped ones (70 % of the peak on the first day, the peak on the second,
then a decay).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from marketing_engine.trends.readings import FetchRequest, TrendReading, TrendSourceError
from marketing_engine.trends.replay_data import DATA_DIR, REPLAY_FILE, SOURCES, Panel, load_replay_file

RSS_DIR = DATA_DIR / "rss"
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


@dataclass(frozen=True)
class InjectedSpike:
    topic: str
    start: date
    multiplier: float = 4.0
    half_life_days: float = 6.0

    def factor(self, day: date) -> float:
        offset = (day - self.start).days
        if offset < 0:
            return 1.0
        shape = 0.7 if offset == 0 else float(np.exp(-np.log(2) * (offset - 1) / self.half_life_days))
        return 1.0 + (self.multiplier - 1.0) * shape


@lru_cache(maxsize=2)
def _panel(path: str) -> Panel:
    return load_replay_file(Path(path))


class ReplaySource:
    """One platform's offline backend over the shipped panel."""

    def __init__(self, source: str, injected: tuple[InjectedSpike, ...] = (), path: Path = REPLAY_FILE):
        if source not in PLATFORM:
            raise TrendSourceError(source, f"no replay profile (known: {', '.join(PLATFORM)})")
        self.source = source
        self.injected = injected
        self.panel = _panel(str(path))
        self._index = {topic: i for i, topic in enumerate(self.panel.topics)}

    def topic_row(self, topic: str) -> int:
        if topic in self._index:
            return self._index[topic]
        return zlib.crc32(topic.lower().encode()) % len(self.panel.topics)

    def _day_index(self, day: date) -> int:
        offset = (day - self.panel.start).days
        return offset % _CYCLE if not 0 <= offset < self.panel.days else offset

    def interest(self, topics: list[str], day: date) -> np.ndarray:
        scale, _volume, sigma, lag = PLATFORM[self.source]
        rows = np.array([self.topic_row(t) for t in topics], dtype=int)
        index = self._day_index(day - timedelta(days=lag))
        values = self.panel.clean[rows, index].astype(np.float64) * scale
        source_index = SOURCES.index(self.source)
        blips = self.panel.blips
        mine = blips[(blips[:, 1] == index) & (blips[:, 3] == source_index)]
        for topic_row, _day, multiplier, _source in mine:
            values[rows == int(topic_row)] *= multiplier
        # Noise seeded by (source, day, topic row): the same question always gets the same answer.
        for position, row in enumerate(rows):
            rng = np.random.default_rng([source_index, index, int(row)])
            values[position] *= float(np.exp(rng.normal(0.0, sigma)))
        for spike in self.injected:
            lagged = day - timedelta(days=lag)
            values[[i for i, t in enumerate(topics) if t == spike.topic]] *= spike.factor(lagged)
        return values

    def fetch(self, request: FetchRequest) -> list[TrendReading]:
        """Readings for the asked topics plus every topic the replay 'sees trending'."""
        topics = list(dict.fromkeys([*request.topics, *self.panel.topics]))
        today = self.interest(topics, request.day)
        yesterday = self.interest(topics, request.day - timedelta(days=1))
        _scale, per_point, _sigma, _lag = PLATFORM[self.source]
        headlines = rss_headlines(topics) if self.source == "news" else {}
        return [
            TrendReading(
                day=request.day,
                source=self.source,
                topic=topic,
                interest=round(float(value), 4),
                volume=round(float(value) * per_point, 1),
                velocity=round(float(value / max(before, 1e-9) - 1.0), 4),
                raw={"replay_row": self.topic_row(topic), "headlines": headlines.get(topic, [])},
            )
            for topic, value, before in zip(topics, today, yesterday, strict=True)
        ]


@lru_cache(maxsize=1)
def _rss_entries() -> tuple[tuple[str, str], ...]:
    import feedparser

    entries = []
    for path in sorted(RSS_DIR.glob("*.xml")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            entries.append((entry.get("title", ""), entry.get("link", "")))
    return tuple(entries)


def rss_headlines(topics: list[str]) -> dict[str, list[dict[str, str]]]:
    """Headlines from the shipped RSS/Atom files that mention every word of a topic."""
    found: dict[str, list[dict[str, str]]] = {}
    for topic in topics:
        words = [w for w in topic.lower().replace("-", " ").split() if len(w) > 2]
        for title, link in _rss_entries():
            text = title.lower().replace("-", " ")
            if words and all(w in text for w in words):
                found.setdefault(topic, []).append({"title": title, "link": link})
    return found
