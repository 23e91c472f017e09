"""Trend signals over a (topics × days) panel, vectorized: every function works on all series at once.

Spike scores and events come from `marketing_engine.trends.events`: each day against a seasonal
baseline with a count model (negative binomial, overdispersion per series) where the series are
counts, a robust z where they are an index such as Google Trends' 0–100; a spike is confirmed
when a short window of days clears the threshold together and no day of it is ordinary, and a
lasting step ("breakout") is told apart from a spike three weeks after its onset. This module
turns those into what a topic row says on the panel's last day: the score, the onset of a
current spike or breakout, a lifecycle stage and the viral coefficient.

The reference detector (`trailing_zscore`) stays here for the benchmarks and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from marketing_engine.trends.events import BREAKOUT, SPIKE, EventInputError, TrendEvents, detect_events
from marketing_engine.trends.events import as_panel as _panel

SEASON = 7
LOOKBACK_DAYS = 14
TOPIC_BLOCK = 10_000  # topics scored at once (memory bounded by the block, not the panel)


class SignalInputError(ValueError):
    """A panel the signal functions cannot use (wrong shape, negative interest)."""


def as_panel(interest: np.ndarray, name: str = "interest") -> np.ndarray:
    """`interest` as a (topics × days) float array; SignalInputError for another shape or a negative value."""
    return _panel(interest, name, SignalInputError)


def shift(array: np.ndarray, lag: int) -> np.ndarray:
    """`array` moved `lag` days later along the last axis, NaN-padded (no wrap-around)."""
    out = np.full_like(array, np.nan)
    if lag < array.shape[-1]:
        out[..., lag:] = array[..., : array.shape[-1] - lag]
    return out


def spike_scores(interest: np.ndarray, is_count: np.ndarray | None = None) -> np.ndarray:
    """One-day z-equivalent score of every day against its own trailing baseline (NaN without history)."""
    return detect_events(as_panel(interest), is_count=is_count).score


def latest_events(events: TrendEvents, lookback: int = LOOKBACK_DAYS) -> tuple[np.ndarray, np.ndarray]:
    """Per series: the onset (day index) of its newest spike whose onset is within the last `lookback`
    days, and of its newest breakout decided within the last `lookback` days; −1 where none."""
    days = events.score.shape[1]
    spike = np.full(len(events.score), -1)
    breakout = np.full(len(events.score), -1)
    for row, onset, kind, decided, _detected in events.events:  # in time order: the newest wins
        if kind == SPIKE and onset >= days - lookback:
            spike[row] = onset
        elif kind == BREAKOUT and decided >= days - lookback:
            breakout[row] = onset
    return spike, breakout


def trailing_zscore(interest: np.ndarray, window: int = 14) -> np.ndarray:
    """The reference detector: z of log1p(today) against the mean/std of the previous `window` days."""
    y = np.log1p(as_panel(interest))
    past = sliding_window_view(shift(y, 1), window, axis=1)
    z = np.full_like(y, np.nan)
    mean = past.mean(axis=2)
    std = past.std(axis=2)
    z[:, window - 1 :] = (y[:, window - 1 :] - mean) / np.maximum(std, 1e-9)
    return z


def weekly_means(interest: np.ndarray, weeks: int = 3) -> np.ndarray:
    """Mean of the last 7 days, the 7 before, … as columns (newest first): seasonality-neutral levels."""
    y = as_panel(interest)
    cols = [y[:, y.shape[1] - 7 * (k + 1) : y.shape[1] - 7 * k].mean(axis=1) for k in range(weeks)]
    return np.stack(cols, axis=1)


def viral_coefficient(interest: np.ndarray) -> np.ndarray:
    """Growth of the growth: (this week / last week) ÷ (last week / the week before).

    Above 1 the topic is accelerating, below 1 decelerating. Whole weeks cancel the weekday rhythm;
    +1 keeps empty weeks finite.
    """
    m = weekly_means(interest) + 1.0
    return (m[:, 0] / m[:, 1]) / (m[:, 1] / m[:, 2])


def cross_platform_confirmations(per_source_scores: np.ndarray, threshold: float = 2.0) -> np.ndarray:
    """How many sources agree: per topic, the number of sources whose latest score is over `threshold`.

    `per_source_scores` is (sources × topics); a source that did not answer is NaN and never agrees.
    """
    return (np.nan_to_num(per_source_scores, nan=-np.inf) > threshold).sum(axis=0)


LIFECYCLE_RULES = {
    "emerging": "confirmed spike or growth over 25 % week on week from a level at or below its 8-week median",
    "breakout": "interest stepped up and stayed: three weeks after the rise it still holds 80 % of it (a lasting level shift, not a spike)",
    "growing": "week-on-week growth over 10 % and still accelerating or steady (viral coefficient ≥ 0.95)",
    "peaking": "this week within 10 % of its 8-week high while growth has slowed (viral coefficient < 0.95)",
    "declining": "week-on-week drop over 10 %",
    "stable": "none of the above",
}


def lifecycle_stages(
    interest: np.ndarray, confirmed: np.ndarray, threshold: float, breakout: np.ndarray | None = None
) -> np.ndarray:
    """One stage per topic, by the first matching rule of LIFECYCLE_RULES (in its order).

    `confirmed` is each topic's confirmed spike score today; `breakout` flags topics with a breakout
    decided recently (see `latest_events`).
    """
    y = as_panel(interest)
    weeks = min(8, y.shape[1] // 7)
    if weeks < 3:
        raise SignalInputError(f"interest: lifecycle needs at least 21 days, got {y.shape[1]}")
    m = weekly_means(y, weeks)
    growth = m[:, 0] / np.maximum(m[:, 1], 1e-9) - 1.0
    viral = (m[:, 0] + 1) / (m[:, 1] + 1) / ((m[:, 1] + 1) / (m[:, 2] + 1))
    earlier = np.median(m[:, 1:], axis=1)
    high = m.max(axis=1)
    spiking = np.nan_to_num(confirmed, nan=-np.inf) > threshold
    stage = np.full(len(y), "stable", dtype=object)
    declining = growth < -0.10
    peaking = (m[:, 0] >= 0.9 * high) & (viral < 0.95) & (growth > -0.10)
    growing = (growth > 0.10) & (viral >= 0.95)
    emerging = spiking | ((growth > 0.25) & (m[:, 1] <= earlier))
    stepped = np.zeros(len(y), dtype=bool) if breakout is None else np.asarray(breakout, dtype=bool)
    for name, mask in (
        ("declining", declining),
        ("peaking", peaking),
        ("growing", growing),
        ("breakout", stepped & ~spiking),
        ("emerging", emerging & ~(stepped & ~spiking)),
    ):
        stage[mask] = name  # later rules win: emerging beats breakout beats growing beats peaking …
    return stage


@dataclass(frozen=True)
class TopicSignals:
    """The signals of every topic on the panel's last day."""

    spike_score: np.ndarray
    confirmed_score: np.ndarray
    spike_onset: np.ndarray  # day index of the current spike's onset, −1 when not spiking
    breakout_onset: np.ndarray  # day index where a recent breakout began, −1 when none
    lifecycle: np.ndarray
    viral: np.ndarray


def latest_signals(
    interest: np.ndarray,
    threshold: float = 3.5,
    lookback: int = LOOKBACK_DAYS,
    is_count: np.ndarray | None = None,
    block: int = TOPIC_BLOCK,
) -> TopicSignals:
    """Spike score, confirmation, onsets, lifecycle and viral coefficient for the last day. Each
    topic's signals are its own, so topics are scored `block` at a time: the detector's day-by-day
    arrays stay bounded by the block however many topics there are."""
    y = as_panel(interest)
    if len(y) <= block:
        return _latest_signals(y, threshold, lookback, is_count)
    kinds = None if is_count is None else np.asarray(is_count, dtype=bool)
    if kinds is not None and kinds.shape != (len(y),):
        raise EventInputError(
            f"interest: is_count needs one flag per series ({len(y)}), got shape {kinds.shape}"
        )
    parts = [
        _latest_signals(
            y[lo : lo + block], threshold, lookback, None if kinds is None else kinds[lo : lo + block]
        )
        for lo in range(0, len(y), block)
    ]
    return TopicSignals(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(TopicSignals)))


def _latest_signals(
    y: np.ndarray, threshold: float, lookback: int, is_count: np.ndarray | None
) -> TopicSignals:
    events = detect_events(y, threshold, is_count)
    spike, breakout = latest_events(events, lookback)
    return TopicSignals(
        spike_score=events.score[:, -1].copy(),  # a copy: a view would keep the whole score panel
        confirmed_score=events.confirmed[:, -1].copy(),
        spike_onset=spike,
        breakout_onset=breakout,
        lifecycle=lifecycle_stages(y, events.confirmed[:, -1], threshold, breakout >= 0),
        viral=viral_coefficient(y),
    )
