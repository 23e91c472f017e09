"""Attribution models over journeys: who gets the credit (conversions and revenue) for a sale.

All models take the touch arrays of `Journeys` and are vectorized (bincount over touches):
first touch, last touch, linear, time decay (half-life in days), position based (40/20/40) and
data-driven Shapley (exact Shapley values over observed conversion rates per channel set, the
method Google describes for its data-driven attribution). Markov removal effects live in
`markov.py`. Every model returns an `Attribution` of credited conversions and revenue per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from marketing_engine.analytics.simulator import DIRECT, Journeys

BASELINE = "baseline"


class AttributionError(ValueError):
    """Journeys or parameters an attribution model cannot work with."""


@dataclass(frozen=True)
class Attribution:
    model: str
    conversions: dict[str, float]
    revenue: dict[str, float]

    def shares(self, exclude: tuple[str, ...] = (DIRECT, BASELINE)) -> dict[str, float]:
        """Revenue-free conversion credit shares over marketing channels (summing to 1)."""
        kept = {c: v for c, v in self.conversions.items() if c not in exclude}
        total = sum(kept.values())
        return {c: (float(v / total) if total else 0.0) for c, v in kept.items()}


def l1_distance(shares: dict[str, float], truth: dict[str, float]) -> float:
    return float(sum(abs(shares.get(c, 0.0) - truth.get(c, 0.0)) for c in set(shares) | set(truth)))


def _credit(journeys: Journeys, weights: np.ndarray, model: str) -> Attribution:
    """Spread each journey's conversion and revenue over its touches by per-touch weights."""
    c = len(journeys.channels)
    conv = journeys.converted.astype(float)[journeys.journey] * weights
    rev = journeys.revenue[journeys.journey] * weights
    conversions = np.bincount(journeys.channel, weights=conv, minlength=c)
    revenue = np.bincount(journeys.channel, weights=rev, minlength=c)
    return Attribution(
        model,
        {name: float(v) for name, v in zip(journeys.channels, conversions)},
        {name: float(v) for name, v in zip(journeys.channels, revenue)},
    )


def _check(journeys: Journeys) -> None:
    if journeys.journey.size == 0:
        raise AttributionError("no touches to attribute: the journeys are empty")


def first_touch(journeys: Journeys) -> Attribution:
    _check(journeys)
    return _credit(journeys, (journeys.position() == 0).astype(float), "first_touch")


def last_touch(journeys: Journeys) -> Attribution:
    _check(journeys)
    last = journeys.position() == journeys.lengths[journeys.journey] - 1
    return _credit(journeys, last.astype(float), "last_touch")


def linear(journeys: Journeys) -> Attribution:
    _check(journeys)
    return _credit(journeys, 1.0 / journeys.lengths[journeys.journey], "linear")


def time_decay(journeys: Journeys, half_life_days: float = 7.0) -> Attribution:
    """Touches closer to the conversion weigh more: weight 2^(-days before / half-life)."""
    _check(journeys)
    if half_life_days <= 0:
        raise AttributionError(f"time-decay half-life must be positive, got {half_life_days}")
    raw = np.exp2(-journeys.days_before / half_life_days)
    totals = np.bincount(journeys.journey, weights=raw, minlength=journeys.n_journeys)
    return _credit(journeys, raw / totals[journeys.journey], "time_decay")


def position_based(journeys: Journeys, first: float = 0.4, last: float = 0.4) -> Attribution:
    """40% to the first touch, 40% to the last, 20% spread over the middle (U-shaped)."""
    _check(journeys)
    if first < 0 or last < 0 or first + last > 1:
        raise AttributionError(f"position-based weights first={first}, last={last} must be ≥ 0 and sum ≤ 1")
    length = journeys.lengths[journeys.journey]
    position = journeys.position()
    middle = (1.0 - first - last) / np.maximum(length - 2, 1)
    weights = np.where(position == 0, first, np.where(position == length - 1, last, middle))
    weights = np.where(length == 1, 1.0, weights)
    # Two-touch journeys have no middle: split the middle share between the two touches.
    weights = np.where(length == 2, np.where(position == 0, first, last) / (first + last), weights)
    return _credit(journeys, weights, "position_based")


def channel_sets(journeys: Journeys, exclude: tuple[str, ...] = (DIRECT,)) -> tuple[np.ndarray, list[str]]:
    """Each journey's set of marketing channels as a bitmask, and the channel of every bit."""
    names = [c for c in journeys.channels if c not in exclude]
    if len(names) > 30:
        raise AttributionError(f"Shapley attribution supports up to 30 channels, got {len(names)}")
    bit_of = np.array([1 << names.index(c) if c in names else 0 for c in journeys.channels], dtype=np.int64)
    masks = np.zeros(journeys.n_journeys, dtype=np.int64)
    np.bitwise_or.at(masks, journeys.journey, bit_of[journeys.channel])
    return masks, names


def coalition_values(
    masks: np.ndarray, converted: np.ndarray, n_channels: int, prior_journeys: float = 400.0
) -> tuple[dict[int, float], np.ndarray]:
    """Conversion rate per observed channel set, shrunk towards an additive model fitted on all
    sets (a Beta prior worth `prior_journeys` journeys): a set seen 30 times has a rate that is
    mostly noise, a set seen 30,000 times speaks for itself. Unseen sets use the model alone."""
    unique, inverse, counts = np.unique(masks, return_inverse=True, return_counts=True)
    conversions = np.bincount(inverse, weights=converted.astype(float))
    rates = conversions / counts
    design = ((unique[:, None] >> np.arange(n_channels)) & 1).astype(float)
    design = np.hstack([np.ones((unique.size, 1)), design])
    sqrt_w = np.sqrt(counts)
    coef, *_ = np.linalg.lstsq(design * sqrt_w[:, None], rates * sqrt_w, rcond=None)
    prior = np.clip(design @ coef, 0.0, 1.0)
    shrunk = (conversions + prior_journeys * prior) / (counts + prior_journeys)
    return {int(m): float(r) for m, r in zip(unique, shrunk)}, coef


def _value(mask: int, values: dict[int, float], coef: np.ndarray) -> float:
    if mask in values:
        return values[mask]
    bits = [(mask >> i) & 1 for i in range(coef.size - 1)]
    return float(np.clip(coef[0] + np.dot(coef[1:], bits), 0.0, 1.0))


def shapley_of_set(mask: int, values: dict[int, float], coef: np.ndarray) -> dict[int, float]:
    """Exact Shapley value of every channel in `mask` for v(S) = conversion rate of set S."""
    members = [i for i in range(coef.size - 1) if (mask >> i) & 1]
    k = len(members)
    bits = np.array([1 << i for i in members], dtype=np.int64)
    subsets = ((np.arange(1 << k)[:, None] >> np.arange(k)) & 1).astype(bool)
    sub_masks = subsets.astype(np.int64) @ bits
    v = np.array([_value(int(m), values, coef) for m in sub_masks])
    sizes = subsets.sum(axis=1)
    weight = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) if s < k else 0.0 for s in sizes])
    result = {}
    for j, channel in enumerate(members):
        without = ~subsets[:, j]
        with_index = np.arange(1 << k)[without] | (1 << j)
        result[channel] = float(np.sum(weight[without] * (v[with_index] - v[without])))
    return result


def data_driven_shapley(journeys: Journeys, prior_journeys: float = 400.0) -> Attribution:
    """Each converting journey's credit goes to its channels in proportion to their Shapley values
    over observed conversion rates; v(∅) is the direct-only rate and keeps its share as baseline."""
    _check(journeys)
    masks, names = channel_sets(journeys)
    values, coef = coalition_values(masks, journeys.converted, len(names), prior_journeys)
    base = _value(0, values, coef)
    conv_masks, inverse = np.unique(masks[journeys.converted], return_inverse=True)
    conv_count = np.bincount(inverse, minlength=conv_masks.size)
    revenue = np.bincount(inverse, weights=journeys.revenue[journeys.converted], minlength=conv_masks.size)
    credit_conv = dict.fromkeys([*names, BASELINE], 0.0)
    credit_rev = dict.fromkeys([*names, BASELINE], 0.0)
    for mask, n_conv, rev in zip(conv_masks, conv_count, revenue):
        phi = {i: max(p, 0.0) for i, p in shapley_of_set(int(mask), values, coef).items()}
        total_value = max(_value(int(mask), values, coef), base)
        channel_part = 1.0 - base / total_value if total_value > 0 and phi else 0.0
        phi_sum = sum(phi.values())
        for i, p in phi.items():
            fraction = channel_part * p / phi_sum if phi_sum else 0.0
            credit_conv[names[i]] += n_conv * fraction
            credit_rev[names[i]] += rev * fraction
        credit_conv[BASELINE] += n_conv * (1.0 - channel_part)
        credit_rev[BASELINE] += rev * (1.0 - channel_part)
    return Attribution(
        "shapley", {c: float(v) for c, v in credit_conv.items()}, {c: float(v) for c, v in credit_rev.items()}
    )


def all_models(journeys: Journeys, half_life_days: float = 7.0) -> list[Attribution]:
    from marketing_engine.analytics.markov import markov_attribution

    return [
        first_touch(journeys),
        last_touch(journeys),
        linear(journeys),
        time_decay(journeys, half_life_days),
        position_based(journeys),
        *(markov_attribution(journeys, order=k) for k in (1, 2, 3)),
        data_driven_shapley(journeys),
    ]
