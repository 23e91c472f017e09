"""From stored readings to per-topic signal rows: the work behind the `trend_signals` asset.

Every (source, topic) series is scored on its own, with the model its values call for: the count
model for a platform's counts (posts, tweets, videos, articles), the robust z for an index
(Google Trends) or for anything not whole numbers (`events.is_count_series`). A niche topic with a
handful of posts a day on one platform is then heard on that platform, instead of being averaged
away into the other sources' noise. The topic's score is its strongest source's, Bonferroni-adjusted
for the number of sources that answered (z of min(1, k·p)), so the false-alarm rate per topic stays
the per-series rate; its spike or breakout onset is the newest among its sources'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy import special

from marketing_engine.trends.events import detect_events, is_count_series
from marketing_engine.trends.forecast import forecast_topics
from marketing_engine.trends.signals import (
    cross_platform_confirmations,
    latest_events,
    lifecycle_stages,
    viral_coefficient,
)

MIN_DAYS = 21
CONFIRM_THRESHOLD = 2.0


class NotEnoughHistory(ValueError):
    """Fewer stored days than the signals need; the message says how many there are."""


def build_panels(
    readings: Iterable[Mapping[str, Any]], as_of: date, days: int
) -> tuple[list[str], list[str], np.ndarray]:
    """(topics, sources, array[source, topic, day]) for the `days` days ending `as_of`; NaN = no reading."""
    rows = [r for r in readings if as_of - timedelta(days=days - 1) <= r["day"] <= as_of]
    topics = sorted({r["topic"] for r in rows})
    sources = sorted({r["source"] for r in rows})
    t_index = {t: i for i, t in enumerate(topics)}
    s_index = {s: i for i, s in enumerate(sources)}
    panel = np.full((len(sources), len(topics), days), np.nan)
    first = as_of - timedelta(days=days - 1)
    for r in rows:
        panel[s_index[r["source"]], t_index[r["topic"]], (r["day"] - first).days] = r["interest"]
    return topics, sources, panel


def _fill_forward(values: np.ndarray) -> np.ndarray:
    """Carry the last reading over missing days (then backwards for leading gaps), per row."""
    out = values.copy()
    for row in out:
        valid = ~np.isnan(row)
        if not valid.any():
            row[:] = 0.0
            continue
        index = np.where(valid, np.arange(len(row)), 0)
        np.maximum.accumulate(index, out=index)
        row[:] = row[index]
        row[: np.argmax(valid)] = row[np.argmax(valid)]
    return out


def combine_sources(panel: np.ndarray) -> np.ndarray:
    """One interest series per topic: each source rescaled to its own median, then averaged.

    Rescaling first means a source that is missing on a day (it failed) does not shift the level.
    """
    median = np.nanmedian(np.where(panel > 0, panel, np.nan), axis=2, keepdims=True)
    scaled = panel / np.where(np.isnan(median), 1.0, median)
    with np.errstate(invalid="ignore"):
        combined = np.nanmean(scaled, axis=0) * np.nanmedian(median, axis=0)
    return _fill_forward(combined)


def topic_signal_rows(
    readings: Iterable[Mapping[str, Any]], as_of: date, threshold: float, days: int = 120, horizon: int = 14
) -> list[dict[str, Any]]:
    topics, sources, panel = build_panels(readings, as_of, days)
    observed = ~np.isnan(panel).all(axis=(0, 1))
    if observed.sum() < MIN_DAYS:
        raise NotEnoughHistory(
            f"trend signals need {MIN_DAYS} days of snapshots up to {as_of}, found {int(observed.sum())}"
        )
    first_day = int(np.argmax(observed))
    panel = panel[:, :, first_day:]
    start = as_of - timedelta(days=panel.shape[2] - 1)
    interest = combine_sources(panel)
    n_sources, n_topics, n_days = panel.shape
    is_count = np.concatenate([is_count_series(panel[s], source) for s, source in enumerate(sources)])
    events = detect_events(panel.reshape(-1, n_days), threshold, is_count, name="trend readings")
    spike_rows, breakout_rows = (o.reshape(n_sources, n_topics) for o in latest_events(events))
    answered = ~np.isnan(panel[:, :, -1])
    score = np.where(answered, events.score[:, -1].reshape(n_sources, n_topics), np.nan)
    per_source = np.where(answered, events.confirmed[:, -1].reshape(n_sources, n_topics), np.nan)
    spike_score, confirmed_score = _strongest(score), _strongest(per_source)
    spike_onset, breakout_onset = spike_rows.max(axis=0), breakout_rows.max(axis=0)
    lifecycle = lifecycle_stages(interest, confirmed_score, threshold, breakout_onset >= 0)
    viral = viral_coefficient(interest)
    confirmations = cross_platform_confirmations(per_source, CONFIRM_THRESHOLD)
    forecast = forecast_topics(interest, horizon=horizon)
    rows = []
    for i, topic in enumerate(topics):
        # The event date: where a breakout is the stage, when the step began; else the spike's onset.
        onset = int(breakout_onset[i] if lifecycle[i] == "breakout" else spike_onset[i])
        rows.append(
            {
                "day": as_of,
                "topic": topic,
                "interest": round(float(interest[i, -1]), 4),
                "spike_score": _finite(spike_score[i]),
                "confirmed_score": _finite(confirmed_score[i]),
                "spike_date": start + timedelta(days=onset) if onset >= 0 else None,
                "confirmations": int(confirmations[i]),
                "sources": int(answered[:, i].sum()),
                "lifecycle": str(lifecycle[i]),
                "viral_coefficient": _finite(viral[i]),
                "forecast": [
                    {
                        "day": (as_of + timedelta(days=h + 1)).isoformat(),
                        "mean": round(float(forecast.mean[i, h]), 3),
                        "lower": round(float(forecast.lower[i, h]), 3),
                        "upper": round(float(forecast.upper[i, h]), 3),
                    }
                    for h in range(horizon)
                ],
                "peak_date": as_of + timedelta(days=int(forecast.peak_offset[i])),
            }
        )
    return rows


def signal_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How many topics spike (a spike that has not become a breakout), how many broke out, and how
    many are at each lifecycle stage."""
    stages = Counter(row["lifecycle"] for row in rows)
    return {
        "spiking": sum(r["spike_date"] is not None and r["lifecycle"] != "breakout" for r in rows),
        "breakouts": stages["breakout"],
        "lifecycle": dict(sorted(stages.items())),
    }


def _strongest(per_source: np.ndarray) -> np.ndarray:
    """Per topic: the highest of its sources' z-scores, Bonferroni-adjusted for how many answered."""
    answered = np.isfinite(per_source).sum(axis=0)
    best = np.nanmax(np.where(np.isfinite(per_source), per_source, -np.inf), axis=0)
    p = np.minimum(1.0, special.ndtr(-best) * np.maximum(answered, 1))
    return np.where(answered > 0, np.clip(-special.ndtri(p), -40.0, 40.0), np.nan)


def _finite(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
