"""Replay data: daily interest series with known ground truth, for any topic of any brand.

`generate_panel` is the one generator. The benchmarks and the signal tests use it for large
anonymous panels ("topic 00042"); the offline trend source uses `topic_panel`, which builds each of
a brand's topics its own row with `generate_panel`, seeded from a stable hash of the topic's text
(`topic_seed`): the same topic always gets the same three years of history, whichever brand asks
and whatever else it asks about.

Each series is a positive daily interest index built from: a base level, weekly seasonality (a
weekday profile with a weekend effect), a mild yearly cycle, a slow drift for some topics ("slow
growers" and decliners), multiplicative log-normal noise, true spikes (a jump that peaks within two
days and decays over days to weeks) and one-day blips (a single-day jump that reverts at once).
Spikes appear in every source; each blip belongs to one source only, which is what makes
cross-platform confirmation meaningful.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from marketing_engine.trends.readings import SOURCES

__all__ = [
    "REPLAY_DAYS",
    "REPLAY_START",
    "SOURCES",
    "Panel",
    "generate_panel",
    "normalize_topic",
    "topic_panel",
    "topic_seed",
]

REPLAY_START = date(2025, 1, 1)
REPLAY_DAYS = 1095  # 2025-01-01 .. 2027-12-31
REPLAY_SEED = 20250101


@dataclass(frozen=True)
class Panel:
    """A (topics × days) interest array with its ground truth.

    `clean` has spikes but no blips; `interest` is `clean` with every blip applied (the single
    series a detector sees in the benchmark). `spikes` rows are (topic, onset_day, peak_multiplier);
    `blips` rows are (topic, day, multiplier, source_index).
    """

    topics: tuple[str, ...]
    start: date
    clean: np.ndarray
    interest: np.ndarray
    spikes: np.ndarray
    blips: np.ndarray

    @property
    def days(self) -> int:
        return self.clean.shape[1]


def _events(rng: np.random.Generator, n: int, days: int, per_year: float, margin: int) -> np.ndarray:
    counts = rng.poisson(per_year * days / 365.0, size=n)
    topic = np.repeat(np.arange(n), counts)
    day = rng.integers(margin, days - 2, size=topic.size)
    order = np.lexsort((day, topic))
    return np.stack([topic[order], day[order]], axis=1) if topic.size else np.zeros((0, 2), dtype=int)


def _separate(events: np.ndarray, gap: int) -> np.ndarray:
    """Drop events closer than `gap` days to the previous one of the same topic (spikes overlap)."""
    if len(events) == 0:
        return events
    keep = np.ones(len(events), dtype=bool)
    last_topic, last_day = -1, -(10**9)
    for i, (topic, day) in enumerate(events):
        if topic == last_topic and day - last_day < gap:
            keep[i] = False
            continue
        last_topic, last_day = topic, day
    return events[keep]


def generate_panel(
    n_topics: int,
    days: int,
    seed: int = REPLAY_SEED,
    start: date = REPLAY_START,
    topics: tuple[str, ...] | None = None,
    spikes_per_year: float = 3.0,
    blips_per_year: float = 5.0,
    n_sources: int = len(SOURCES),
) -> Panel:
    rng = np.random.default_rng(seed)
    t = np.arange(days, dtype=np.float64)
    level = np.exp(rng.normal(np.log(30.0), 0.8, size=(n_topics, 1)))
    weekday = (t + start.weekday()) % 7  # 0 = Monday
    amplitude = rng.uniform(0.03, 0.3, size=(n_topics, 1))
    phase = rng.uniform(0, 7, size=(n_topics, 1))
    weekend = rng.uniform(-0.25, 0.25, size=(n_topics, 1)) * (weekday >= 5)
    weekly = amplitude * np.cos(2 * np.pi * (weekday - phase) / 7) + weekend
    yearly = rng.uniform(0, 0.25, size=(n_topics, 1)) * np.sin(
        2 * np.pi * (t + start.timetuple().tm_yday - 100) / 365.25
    )
    # A fifth of topics grow slowly (0.05-0.25 %/day), a tenth decline; the rest drift at most a little.
    kind = rng.uniform(size=(n_topics, 1))
    slope = np.where(kind < 0.2, rng.uniform(0.0005, 0.0025, size=(n_topics, 1)), 0.0)
    slope = np.where(kind > 0.9, -rng.uniform(0.0005, 0.002, size=(n_topics, 1)), slope)
    sigma = rng.uniform(0.06, 0.18, size=(n_topics, 1))
    noise = rng.normal(0, 1, size=(n_topics, days)) * sigma
    log_clean = np.log(level) + weekly + yearly + slope * t + noise

    spikes = _separate(_events(rng, n_topics, days, spikes_per_year, margin=40), gap=45)
    multipliers = rng.uniform(1.8, 6.0, size=len(spikes))
    half_life = rng.uniform(3.0, 12.0, size=len(spikes))
    for (topic, onset), mult, hl in zip(spikes, multipliers, half_life, strict=True):
        span = np.arange(days - onset)
        # Day 0 reaches 70 % of the peak, day 1 the peak, then an exponential decay.
        shape = np.where(span == 0, 0.7, np.exp(-np.log(2) * np.maximum(span - 1, 0) / hl))
        log_clean[topic, onset:] += np.log1p((mult - 1) * shape)
    clean = np.exp(log_clean)

    blips = _events(rng, n_topics, days, blips_per_year, margin=30)
    blip_mult = rng.uniform(1.8, 5.0, size=len(blips))
    blip_source = rng.integers(0, n_sources, size=len(blips))
    interest = clean.copy()
    interest[blips[:, 0], blips[:, 1]] *= blip_mult
    names = topics or tuple(f"topic {i:05d}" for i in range(n_topics))
    return Panel(
        topics=names,
        start=start,
        clean=clean.astype(np.float32),
        interest=interest.astype(np.float32),
        spikes=np.column_stack([spikes, multipliers]) if len(spikes) else np.zeros((0, 3)),
        blips=np.column_stack([blips, blip_mult, blip_source]) if len(blips) else np.zeros((0, 4)),
    )


def normalize_topic(topic: str) -> str:
    """The form a topic is known by: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", topic).casefold().split())


def topic_seed(topic: str) -> int:
    """A seed from the topic's text, the same in every process (Python's hash() is salted per run)."""
    return int.from_bytes(hashlib.sha256(normalize_topic(topic).encode("utf-8")).digest()[:8], "big")


def _stack_events(rows: list[Panel], name: str, width: int) -> np.ndarray:
    """Each one-topic panel's spikes or blips, renumbered with the row the topic has in the stack."""
    found = [
        np.column_stack([np.full(len(events), row), events[:, 1:]])
        for row, events in enumerate(getattr(panel, name) for panel in rows)
        if len(events)
    ]
    return np.vstack(found) if found else np.zeros((0, width))


def topic_panel(topics: Sequence[str], days: int = REPLAY_DAYS, start: date = REPLAY_START) -> Panel:
    """One row per topic, each generated alone from its own seed (adding a topic changes no other row)."""
    if not topics:
        raise ValueError("topic_panel needs at least one topic")
    rows = [generate_panel(1, days, seed=topic_seed(t), start=start, topics=(t,)) for t in topics]
    return Panel(
        topics=tuple(topics),
        start=start,
        clean=np.vstack([panel.clean for panel in rows]),
        interest=np.vstack([panel.interest for panel in rows]),
        spikes=_stack_events(rows, "spikes", 3),
        blips=_stack_events(rows, "blips", 4),
    )
