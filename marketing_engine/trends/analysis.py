"""From stored readings to per-topic signal rows: the work behind the `trend_signals` asset."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np

from marketing_engine.trends.forecast import theta_forecast
from marketing_engine.trends.signals import (
    confirmed_scores,
    cross_platform_confirmations,
    latest_signals,
    spike_scores,
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
    topics, _sources, panel = build_panels(readings, as_of, days)
    observed = ~np.isnan(panel).all(axis=(0, 1))
    if observed.sum() < MIN_DAYS:
        raise NotEnoughHistory(
            f"trend signals need {MIN_DAYS} days of snapshots up to {as_of}, found {int(observed.sum())}"
        )
    first_day = int(np.argmax(observed))
    panel = panel[:, :, first_day:]
    start = as_of - timedelta(days=panel.shape[2] - 1)
    interest = combine_sources(panel)
    latest = latest_signals(interest, threshold)
    per_source = np.stack([confirmed_scores(spike_scores(_fill_forward(p)))[:, -1] for p in panel])
    answered = ~np.isnan(panel[:, :, -1])
    per_source[~answered] = np.nan
    confirmations = cross_platform_confirmations(per_source, CONFIRM_THRESHOLD)
    forecast = theta_forecast(interest, horizon=horizon)
    rows = []
    for i, topic in enumerate(topics):
        onset = int(latest.spike_onset[i])
        rows.append(
            {
                "day": as_of,
                "topic": topic,
                "interest": round(float(interest[i, -1]), 4),
                "spike_score": _finite(latest.spike_score[i]),
                "confirmed_score": _finite(latest.confirmed_score[i]),
                "spike_date": start + timedelta(days=onset) if onset >= 0 else None,
                "confirmations": int(confirmations[i]),
                "sources": int(answered[:, i].sum()),
                "lifecycle": str(latest.lifecycle[i]),
                "viral_coefficient": _finite(latest.viral[i]),
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


def _finite(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
