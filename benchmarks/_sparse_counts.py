"""A second, independently written generator of daily mention counts: the niche-topic benchmark.

Written from the description in issue 18, before the count-aware detector, and never adjusted to
it. 1,500 daily series × 365 days in three volume tiers (500 series each, about 3, 40 and 800
mentions a day). Every series is whole counts (Poisson draws around a latent daily rate), and the
latent rate carries:

  * a weekly rhythm: a random weekday profile (amplitude up to ±35 %) plus a weekend lift or dip;
  * drift: a log-linear trend of −60 % … +80 % over the year;
  * day-to-day extra noise: log-normal with σ 0.05–0.25 per series (counts are overdispersed, as
    real mention counts are: a topic is discussed in bursts);
  * permanent level shifts (about one series in three has one): the rate steps up or down by
    ×1.4–×3 over one to three days and stays there — a lasting change, not a spike;
  * one-day blips (about three a year per series): the count of a single day is multiplied by
    2–8, and the next day is ordinary again — a bot burst or a mis-tagged post, not a spike;
  * true multi-day spikes (about 1.5 a year per series): the rate rises to ×2–×10 of its level
    (log-uniform) within one or two days and decays exponentially with a half-life of 1.5–8 days.

Ground truth: `spikes` rows (series, onset_day, peak_multiplier), `shifts` rows (series, day,
factor), `blips` rows (series, day, multiplier); `tier` gives each series' tier (0 sparse, 1 mid,
2 high). Events keep clear of each other (a spike 21+ days from the previous one, shifts 14+ days
from any spike, blips 3+ days from spike onsets) so each detection has one unambiguous truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIER_LEVELS = (3.0, 40.0, 800.0)
TIER_NAMES = ("~3 a day (sparse)", "~40 a day", "~800 a day")
MARGIN = 35  # no event in the first five weeks: every detector needs some history


@dataclass(frozen=True)
class CountPanel:
    counts: np.ndarray  # (series × days) whole mentions per day, float64
    rate: np.ndarray  # the latent daily rate without blips (what a perfect model would expect)
    tier: np.ndarray  # (series,) 0, 1, 2
    spikes: np.ndarray  # (k × 3) series, onset day, peak multiplier
    shifts: np.ndarray  # (k × 3) series, first day of the step, factor
    blips: np.ndarray  # (k × 3) series, day, multiplier


def _poisson_days(rng: np.random.Generator, per_year: float, days: int) -> list[int]:
    count = rng.poisson(per_year * days / 365.0)
    return sorted(int(d) for d in rng.integers(MARGIN, days - 3, size=count))


def generate_counts(
    n_series: int = 1500, days: int = 365, seed: int = 18, levels: tuple[float, ...] = TIER_LEVELS
) -> CountPanel:
    """`levels` are the tiers' typical daily counts (the forecast benchmark adds a fourth, ~0.5 a day)."""
    rng = np.random.default_rng(seed)
    tier = np.arange(n_series) % len(levels)
    t = np.arange(days, dtype=np.float64)
    level = np.array(levels)[tier] * np.exp(rng.normal(0.0, 0.25, n_series))
    log_rate = np.log(level)[:, None] + np.zeros((n_series, days))

    weekday = (t + rng.integers(0, 7, n_series)[:, None]) % 7
    profile = rng.normal(0.0, 1.0, (n_series, 7))
    profile *= rng.uniform(0.0, 0.35, (n_series, 1)) / np.maximum(
        np.abs(profile).max(axis=1, keepdims=True), 1e-9
    )
    weekend = rng.uniform(-0.4, 0.3, (n_series, 1)) * (weekday >= 5)
    log_rate += np.take_along_axis(profile, weekday.astype(int), axis=1) + weekend

    yearly_change = rng.uniform(np.log(0.4), np.log(1.8), (n_series, 1))
    log_rate += yearly_change * t / days

    spikes, shifts, blips = [], [], []
    excess = np.zeros((n_series, days))  # spikes' extra rate, as a multiple of the level
    for s in range(n_series):
        onsets = []
        for day in _poisson_days(rng, 1.5, days):
            if not onsets or day - onsets[-1] >= 21:
                onsets.append(day)
        for onset in onsets:
            peak = float(np.exp(rng.uniform(np.log(2.0), np.log(10.0))))
            rise = int(rng.integers(1, 3))  # the peak comes on day 0 or day 1
            half_life = rng.uniform(1.5, 8.0)
            span = np.arange(days - onset, dtype=np.float64)
            shape = np.where(
                span < rise - 1,
                rng.uniform(0.4, 0.8),
                np.exp(-np.log(2) * np.maximum(span - (rise - 1), 0) / half_life),
            )
            excess[s, onset:] += (peak - 1.0) * shape
            spikes.append((s, onset, peak))
        if rng.uniform() < 1 / 3:
            candidates = [d for d in range(MARGIN, days - 3) if all(abs(d - o) >= 14 for o in onsets)]
            if candidates:
                day = int(rng.choice(candidates))
                factor = float(np.exp(rng.uniform(np.log(1.4), np.log(3.0)))) ** rng.choice([-1.0, 1.0])
                ramp = int(rng.integers(1, 4))
                step = np.clip((np.arange(days) - day + 1) / ramp, 0.0, 1.0)
                log_rate[s] += np.log(factor) * step
                shifts.append((s, day, factor))
        for day in _poisson_days(rng, 3.0, days):
            if all(abs(day - o) >= 3 for o in onsets):
                blips.append((s, day, float(rng.uniform(2.0, 8.0))))

    sigma = rng.uniform(0.05, 0.25, (n_series, 1))
    log_rate += rng.normal(0.0, 1.0, (n_series, days)) * sigma
    rate = np.exp(log_rate) * (1.0 + excess)
    blipped = rate.copy()
    blip_rows = np.array(blips) if blips else np.zeros((0, 3))
    if len(blip_rows):
        idx = blip_rows[:, :2].astype(int)
        blipped[idx[:, 0], idx[:, 1]] *= blip_rows[:, 2]
    counts = rng.poisson(blipped).astype(np.float64)
    return CountPanel(
        counts=counts,
        rate=rate,
        tier=tier,
        spikes=np.array(spikes) if spikes else np.zeros((0, 3)),
        shifts=np.array(shifts) if shifts else np.zeros((0, 3)),
        blips=blip_rows,
    )
