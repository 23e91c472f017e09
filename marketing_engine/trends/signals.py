"""Trend signals over a (topics × days) panel, vectorized: every function works on all series at once.

Spike score — why a robust z-score against a seasonal baseline:
  Interest has a weekly rhythm (weekends differ), slow trends and earlier spikes in its history. A
  plain trailing z-score (mean and standard deviation of the last 14 days) is pulled up by weekend
  peaks and inflated by any spike still inside its window, so it both fires on ordinary Saturdays
  and misses a second spike. We instead compare today's log interest with the *median of the same
  weekday over the previous four weeks* (the weekly rhythm cancels, one contaminated week cannot
  move a median of four) and scale by the *median absolute seasonal difference* (y_t − y_{t−7})
  over the trailing 28 days, a MAD estimate of noise that a past spike or blip barely touches. Both
  are order statistics over shifted copies of the array, so 10,000 series cost a few numpy passes.
  Seasonal ESD (Rosner's test on STL residuals) is the textbook alternative, but it needs an STL fit
  per series and an iterative test — a Python loop per series we cannot afford at 10,000 topics.

A spike is *confirmed* when the score stays over the threshold two days running: a one-day blip
(a bot burst, a mis-tagged post) reverts the next day, a real spike does not. That costs at most
one day of latency (detection on onset + 1) and removes most false alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SEASON = 7
BASELINE_WEEKS = 4
SCALE_WINDOW = 28
# Variance of (x − median of 4 iid copies) relative to σ²: 1 + π/(2·4) for normal noise.
_MEDIAN4_VARIANCE = 1.0 + np.pi / 8.0
_MIN_SCALE = 0.02  # log units; a flat series must not turn a tiny wobble into a huge score


class SignalInputError(ValueError):
    """A panel the signal functions cannot use (wrong shape, negative interest)."""


def as_panel(interest: np.ndarray, name: str = "interest") -> np.ndarray:
    array = np.asarray(interest, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise SignalInputError(f"{name}: expected a (topics × days) array, got shape {array.shape}")
    if np.nanmin(array, initial=0.0) < 0:
        raise SignalInputError(f"{name}: interest must be ≥ 0 (found {np.nanmin(array):.3g})")
    return array


def shift(array: np.ndarray, lag: int) -> np.ndarray:
    """`array` moved `lag` days later along the last axis, NaN-padded (no wrap-around)."""
    out = np.full_like(array, np.nan)
    if lag < array.shape[-1]:
        out[..., lag:] = array[..., : array.shape[-1] - lag]
    return out


def _median_of_windows(
    past: np.ndarray, window: int, center: np.ndarray | None = None, stride: int = SEASON, rows: int = 1000
) -> np.ndarray:
    """Median of trailing `window`-day windows, in row chunks; with `center`, the median absolute
    deviation of each window from that day's center instead.

    Windows are evaluated every `stride` days (and on the last two days exactly) and carried forward
    to the days in between: a 28-day noise estimate barely moves in a week, and only looking back
    (never at later days) keeps it leak-free. That, `np.partition` on float32 (the two middle values
    without a full sort) and row chunks keep 10,000 topics × 365 days to a few numpy passes.
    """
    out = np.full(past.shape, np.nan)
    days = past.shape[1]
    if days < window:
        return out
    # Window end positions: every `stride` days back from the last day, plus the last two days
    # exactly (the newest scores and their confirmation), keeping only windows free of NaN padding.
    ends = np.union1d(np.arange(days - 1, window - 2, -stride), [days - 2, days - 1])
    padded = np.concatenate([[0], np.cumsum(np.isnan(past).any(axis=0))])
    ends = ends[(ends >= window - 1) & (padded[ends + 1] - padded[np.maximum(ends + 1 - window, 0)] == 0)]
    if len(ends) == 0:
        return out
    middle = (window // 2 - 1, window // 2)
    for start in range(0, len(past), rows):
        block = sliding_window_view(past[start : start + rows].astype(np.float32), window, axis=1)
        block = block[:, ends - (window - 1)]
        if center is not None:
            block = np.abs(block - center[start : start + rows, ends, None].astype(np.float32))
        part = np.partition(block, middle, axis=2)
        out[start : start + rows, ends] = 0.5 * (part[..., middle[0]] + part[..., middle[1]])
    # Carry each evaluated window forward over the next stride − 1 days.
    index = np.where(np.isin(np.arange(days), ends), np.arange(days), 0)
    np.maximum.accumulate(index, out=index)
    carried = out[:, index]
    carried[:, : ends[0]] = np.nan
    return carried


def spike_scores(interest: np.ndarray, weeks: int = BASELINE_WEEKS) -> np.ndarray:
    """Robust seasonal z-score of every day against its own trailing history (NaN without history)."""
    y = np.log1p(as_panel(interest))
    # A short history (the first month of snapshots) shrinks both windows so the last two days
    # still get a score; from 37 days on they are the full four weeks.
    weeks = max(1, min(weeks, (y.shape[1] - 2) // SEASON))
    window = max(SEASON, min(SCALE_WINDOW, y.shape[1] - SEASON - 2))
    lags = np.stack([shift(y, SEASON * k) for k in range(1, weeks + 1)])
    baseline = _median_of_four(lags) if weeks == 4 else np.median(lags, axis=0)
    past = shift(y - shift(y, SEASON), 1)  # day t's statistics use days t−window … t−1 only
    # The median seasonal difference is the week-over-week trend. The noise scale is the MAD
    # around it, so a topic in a steady seasonal decline or climb is not made deaf; the baseline
    # (on average (weeks+1)/2 weeks old) is moved by half of it — shrunk, because after a spike the
    # decay reads as a downtrend (full correction lowered precision from 0.96 to 0.91 in the backtest).
    trend = _median_of_windows(past, window)
    scale = _median_of_windows(past, window, center=trend)
    scale[:, : SEASON + window] = np.nan  # windows that still hold NaN padding
    expected = baseline + 0.5 * trend * (weeks + 1) / 2.0
    # MAD → σ for normal noise (1.4826); a seasonal difference carries two noise terms (√2).
    sigma = np.maximum(1.4826 * scale / np.sqrt(2.0), _MIN_SCALE)
    return (y - expected) / (sigma * np.sqrt(_MEDIAN4_VARIANCE))


def _median_of_four(lags: np.ndarray) -> np.ndarray:
    ordered = np.sort(lags, axis=0)
    median = 0.5 * (ordered[1] + ordered[2])
    median[np.isnan(lags).any(axis=0)] = np.nan
    return median


def confirmed_scores(scores: np.ndarray) -> np.ndarray:
    """min(score today, score yesterday): high only when a rise lasts two days."""
    return np.minimum(scores, shift(scores, 1))  # NaN yesterday (no history) → NaN: unconfirmed


def spike_onsets(scores: np.ndarray, threshold: float = 3.5, refractory: int = 14) -> np.ndarray:
    """Boolean (topics × days): True on the onset day of each confirmed spike.

    A confirmed run that starts within `refractory` days of the previous onset belongs to the same
    episode (a decaying spike dipping under the threshold and back) and is not a new spike.
    """
    sustained = np.nan_to_num(confirmed_scores(scores), nan=-np.inf) > threshold
    starts = sustained & ~np.concatenate([np.zeros_like(sustained[:, :1]), sustained[:, :-1]], axis=1)
    onsets = np.zeros_like(starts)
    onsets[:, :-1] = starts[:, 1:]  # detected on day t, the spike began on day t − 1
    days = np.arange(onsets.shape[1])
    last = np.where(onsets, days, -(10**9))
    previous = np.maximum.accumulate(np.concatenate([np.full((len(last), 1), -(10**9)), last[:, :-1]], 1), 1)
    return onsets & (days - previous > refractory)


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
    "growing": "week-on-week growth over 10 % and still accelerating or steady (viral coefficient ≥ 0.95)",
    "peaking": "this week within 10 % of its 8-week high while growth has slowed (viral coefficient < 0.95)",
    "declining": "week-on-week drop over 10 %",
    "stable": "none of the above",
}


def lifecycle_stages(interest: np.ndarray, confirmed: np.ndarray, threshold: float) -> np.ndarray:
    """One stage per topic, by the first matching rule of LIFECYCLE_RULES (in its order)."""
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
    for name, mask in (
        ("declining", declining),
        ("peaking", peaking),
        ("growing", growing),
        ("emerging", emerging),
    ):
        stage[mask] = name  # later rules win: emerging beats growing beats peaking beats declining
    return stage


@dataclass(frozen=True)
class TopicSignals:
    """The signals of every topic on the panel's last day."""

    spike_score: np.ndarray
    confirmed_score: np.ndarray
    spike_onset: np.ndarray  # day index of the current spike's onset, −1 when not spiking
    lifecycle: np.ndarray
    viral: np.ndarray


def latest_signals(interest: np.ndarray, threshold: float = 3.5, lookback: int = 14) -> TopicSignals:
    """Spike score, confirmation, onset, lifecycle and viral coefficient for the last day."""
    y = as_panel(interest)
    scores = spike_scores(y)
    confirmed = confirmed_scores(scores)
    onsets = spike_onsets(scores, threshold)
    window = onsets[:, -lookback:]
    has = window.any(axis=1)
    last = window.shape[1] - 1 - np.argmax(window[:, ::-1], axis=1)
    onset = np.where(has, y.shape[1] - window.shape[1] + last, -1)
    return TopicSignals(
        spike_score=scores[:, -1],
        confirmed_score=confirmed[:, -1],
        spike_onset=onset,
        lifecycle=lifecycle_stages(y, confirmed[:, -1], threshold),
        viral=viral_coefficient(y),
    )
