"""Spikes and breakouts over a (series × days) panel: count-aware scores against a seasonal baseline.

The score of a day is how surprising its value is against what the series' own recent past
predicts, written as a z-equivalent: z = Φ⁻¹(1 − p) for the upper-tail probability p. With the
same unit for every series, one threshold means one false-alarm rate whatever the volume.

Baseline (per series, from the days before, never the day itself):
  * level: mean of the last 28 days, each day divided by its weekday factor (four whole weeks, so
    every weekday counts four times);
  * weekday factors: each weekday's share over the last 8 weeks, pulled towards flat by
    `WEEKDAY_PRIOR` pseudo-mentions per weekday, so a series of 3 mentions a day does not read
    noise as a weekly rhythm while one of 800 a day keeps its full profile;
  * robust to past spikes: a day scoring over `EXCLUDE_Z` (p < 0.13 %) is left out of every later
    baseline (level, weekday factors, dispersion), so a spike or a blip does not raise the bar for
    the next one. What unlocks those days again is a breakout (below).

Scores, by what the series is (`is_count_series`):
  * counts (mentions, posts, videos, articles: whole numbers, from any source but an index):
    negative binomial with mean μ and variance μ + αμ², the overdispersion α estimated per series by
    moments over the last 8 weeks of baseline days (0 gives Poisson): from week-over-week
    differences from the second week on, and at least the spread of the model's own residuals
    once four weeks are scored (that also holds what the baseline gets wrong). The tail is a mid-p
    value P(Y > y) + ½P(Y = y), which keeps discrete tails from being conservative at 3 a day;
  * anything else (Google Trends' 0–100 index, rescaled or averaged values): a robust z of
    log1p(value) against log1p(μ), scaled by the MAD of the same two residuals on the log scale.

A spike is *confirmed* on day t when a window of days ending on t is, as a sum against its
baseline sum, a `threshold`-σ event and none of its days alone is ordinary (`CONFIRM_WINDOWS`: two
days, each at least `threshold − 0.5`, or three days, each at least `threshold − 2`). A one-day
blip fails the second condition; a rise that lasts does not. A count series under
`SPARSE_LEVEL` mentions a day also gets five- and seven-day windows (`SPARSE_WINDOWS`): at three
mentions a day two days hold too little evidence, and a longer window collects it at the cost of
a later report (the benchmark prints the latency). The onset is the window's first day.

False-alarm rate: under the model each window's sum exceeds `threshold` (3.5 by default) with
probability 2.3 × 10⁻⁴ (the one-sided normal tail of 3.5); the windows overlap, so a topic-day's
confirmed score does with at most a few times that — about one false spike per 5–10 topic-years
at the default, before the model's misfit. The benchmark measures the real rate beside it.

Spike or breakout: a confirmed rise opens an episode. Three weeks after its onset, its third
week's excess over the pre-onset baseline (frozen at the onset) is compared with its first week's,
each week without its largest day so that one blip cannot decide: a spike decays, a lasting step
does not. A breakout keeps at least `BREAKOUT_RATIO` (0.8: a half-life over six weeks, or none)
and its third week alone still clears the threshold against the old baseline. Its days then rejoin
the baseline, whose window restarts at the onset, so the new level is the norm from then on and is
not reported again. Until that decision an episode is a (provisional) spike: the sensor must not
wait three weeks for a spike. An episode is closed when its scores have been under `END_Z` two
days running; one still open after `MAX_EPISODE_DAYS` is taken as the new norm.

Vectorized over series: one pass over the days, each step a few numpy operations on (series × 28)
windows (the weekday profile and the noise on 8 weeks, refreshed weekly), so 10,000 series ×
365 days take seconds, not a Python loop per series.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special

SEASON = 7
LEVEL_DAYS = 28
SHAPE_DAYS = 56
MIN_BASELINE_DAYS = 7
MIN_HISTORY_DAYS = 14  # no score before two weeks of readings: too little to know the noise
WEEKDAY_PRIOR = 10.0  # pseudo-mentions per weekday (index series: one day at the mean level)
EXCLUDE_Z = 3.0
# (days, margin): the days' sum must reach the threshold and each day `threshold − margin`.
CONFIRM_WINDOWS = ((2, 0.5), (3, 2.0))
SPARSE_WINDOWS = ((5, 2.5), (7, 3.0))
SPARSE_LEVEL = 10.0
DECIDE_DAYS = 21
BREAKOUT_RATIO = 0.8
END_Z = 2.0
MAX_EPISODE_DAYS = 42
MIN_LOG_SCALE = 0.02
MAX_Z = 40.0
INDEX_SOURCES = frozenset({"google_trends"})

SPIKE, BREAKOUT = 1, 2


class EventInputError(ValueError):
    """A panel the event detector cannot use; the message names the input."""


def as_panel(
    values: np.ndarray, name: str = "interest", error: type[ValueError] = EventInputError
) -> np.ndarray:
    """`values` as a (series × days) float array (one series may come as 1-D). Raises `error`, naming
    the input, for any other shape or a negative value."""
    panel = np.asarray(values, dtype=np.float64)
    if panel.ndim == 1:
        panel = panel[None, :]
    if panel.ndim != 2:
        raise error(f"{name}: expected a (series × days) array, got shape {panel.shape}")
    if np.nanmin(panel, initial=0.0) < 0:
        raise error(f"{name} must be ≥ 0 (found {np.nanmin(panel):.3g})")
    return panel


def is_count_series(values: np.ndarray, source: str | None = None) -> np.ndarray:
    """Per row: score with the count model? The rule: not from an index source (Google Trends'
    0–100 is relative to the query's own peak, not a count), and every observed value a whole number."""
    rows = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if source in INDEX_SOURCES:
        return np.zeros(len(rows), dtype=bool)
    finite = np.isfinite(rows)
    whole = np.where(finite, rows == np.round(rows), True).all(axis=1)
    return whole & finite.any(axis=1)


@dataclass(frozen=True)
class TrendEvents:
    """Scores and events of every series; day indices are columns of the input panel."""

    score: np.ndarray  # (series × days) one-day z-equivalent, NaN without a baseline
    confirmed: np.ndarray  # (series × days) two-day z-equivalent (see the module doc)
    expected: np.ndarray  # (series × days) the baseline each day was scored against
    is_count: np.ndarray  # (series,)
    events: (
        np.ndarray
    )  # (k × 5) int: series, onset day, kind (SPIKE/BREAKOUT), decided on (−1 = not yet), detected on

    def onsets(self, kind: int) -> np.ndarray:
        """Boolean (series × days): True on the onset day of each event of that kind."""
        out = np.zeros(self.score.shape, dtype=bool)
        mine = self.events[self.events[:, 2] == kind]
        out[mine[:, 0], mine[:, 1]] = True
        return out

    @property
    def spike_onsets(self) -> np.ndarray:
        return self.onsets(SPIKE)

    @property
    def breakout_onsets(self) -> np.ndarray:
        return self.onsets(BREAKOUT)


def _tail_z(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """z-equivalent of the mid-p upper tail of y under NB(μ, α) (Poisson where α is 0).

    In the body of the distribution (within one standard deviation above the mean, and below it)
    the normal approximation is used: those scores never decide anything, and the exact tail costs
    an incomplete beta function per value.
    """
    y = np.maximum(np.round(y), 0.0)
    mu = np.maximum(mu, 1e-9)
    z = (y - mu) / np.sqrt(mu + alpha * mu * mu)
    tail = z > 1.0
    if not tail.any():
        return z
    yt, mt, at = y[tail], mu[tail], alpha[tail]
    out = np.empty(len(yt))
    poisson = at < 1e-8
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        if poisson.any():
            k, m = yt[poisson], mt[poisson]
            pmf = np.exp(k * np.log(m) - m - special.gammaln(k + 1.0))
            out[poisson] = special.gammainc(k + 1.0, m) + 0.5 * pmf  # P(Y > k) = P(k + 1, μ)
        if (~poisson).any():
            k, m, r = yt[~poisson], mt[~poisson], 1.0 / at[~poisson]
            q = m / (r + m)  # P(Y > k) = I_q(k + 1, r) for NB with r = 1/α
            log_pmf = special.gammaln(k + r) - special.gammaln(r) - special.gammaln(k + 1.0)
            pmf = np.exp(log_pmf + r * np.log1p(-q) + k * np.log(q))
            out[~poisson] = special.betainc(k + 1.0, r, q) + 0.5 * pmf
        z[tail] = -special.ndtri(np.clip(out, 0.0, 1.0))
    return np.clip(z, -MAX_Z, MAX_Z)


def _t_to_z(t: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """A t statistic (scale estimated from `dof` differences) as the z of the same tail probability:
    with two weeks of history a scale from 13 differences is itself uncertain, and a plain z would
    read that uncertainty as surprise."""
    with np.errstate(invalid="ignore"):
        tail = special.stdtr(dof, -np.abs(t))
        z = -special.ndtri(np.maximum(tail, 1e-300)) * np.sign(t)
    return np.clip(np.where(np.isnan(t), np.nan, z), -MAX_Z, MAX_Z)


def _trimmed_mean(values: np.ndarray) -> float:
    """Mean without the largest value: one blip inside a week cannot make a spike look lasting."""
    finite = np.sort(values[np.isfinite(values)])
    return float(finite[:-1].mean()) if len(finite) > 1 else float("nan")


def _row_mad(values: np.ndarray) -> np.ndarray:
    """Per row: the median absolute deviation of the values that are not NaN (NaN for a row of none)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.nanmedian(values, axis=1)
        return np.nanmedian(np.abs(values - center[:, None]), axis=1)


def _onehot_weekdays(days: np.ndarray, season: int) -> np.ndarray:
    return (days[:, None] % season == np.arange(season)[None, :]).astype(np.float64)


class _Detector:
    """The state of one pass over the days (see `detect_events`)."""

    def __init__(self, y: np.ndarray, is_count: np.ndarray, threshold: float, season: int = SEASON):
        self.season = season
        self.y = y
        self.n, self.days = y.shape
        self.is_count = is_count
        self.threshold = threshold
        self.finite = np.isfinite(y)
        self.used = np.zeros(y.shape, dtype=bool)
        self.score = np.full(y.shape, np.nan)
        self.confirmed = np.full(y.shape, np.nan)
        self.expected = np.full(y.shape, np.nan)
        self.alpha = np.zeros(self.n)
        self.scale = np.full(self.n, np.nan)
        self.dof = np.full(self.n, 1.0)  # degrees of freedom of the index scale
        self.regime_start = np.zeros(self.n, dtype=int)
        self.level = np.full(self.n, np.nan)
        self.history = np.zeros(self.n)  # days with a reading so far
        self.factors = np.ones((self.n, season))
        self.open = np.zeros(self.n, dtype=bool)
        self.span = np.full(self.n, 2)
        self.onset = np.full(self.n, -1)
        self.frozen_level = np.zeros(self.n)
        self.frozen_factors = np.ones((self.n, season))
        self.observed = np.full((self.n, DECIDE_DAYS), np.nan)  # per episode day
        self.baseline_then = np.full((self.n, DECIDE_DAYS), np.nan)  # the frozen pre-onset baseline
        self.decided = np.zeros(self.n, dtype=bool)
        self.event_index = np.full(self.n, -1)
        self.events: list[list[int]] = []

    def baseline(self, t: int) -> None:
        # The weekday profile and the noise move slowly: refreshed weekly (daily in the first four
        # weeks and on the last two days, whose scores are the ones reported).
        if t % SEASON == 0 or t <= LEVEL_DAYS or t >= self.days - 2:
            self._shape(t)
        lo = max(0, t - LEVEL_DAYS)
        days = np.arange(lo, t)
        recent = self.used[:, lo:t] & (days[None, :] >= self.regime_start[:, None])
        weight = (recent * self.factors[:, days % self.season]).sum(axis=1)
        self.history += self.finite[:, t - 1] if t else 0
        enough = (recent.sum(axis=1) >= MIN_BASELINE_DAYS) & (self.history >= MIN_HISTORY_DAYS)
        total = np.where(recent, self.y[:, lo:t], 0.0).sum(axis=1)
        self.level = np.where(enough, total / np.maximum(weight, 1e-12), np.nan)

    def _shape(self, t: int) -> None:
        lo = max(0, t - SHAPE_DAYS)
        days = np.arange(lo, t)
        window = self.y[:, lo:t]
        used = self.used[:, lo:t]
        values = np.where(used, window, 0.0)
        onehot = _onehot_weekdays(days, self.season)
        sums, counts = values @ onehot, used.astype(np.float64) @ onehot
        mean = sums.sum(axis=1) / np.maximum(counts.sum(axis=1), 1.0)
        prior = np.where(self.is_count, WEEKDAY_PRIOR, np.maximum(mean, 1e-9))
        factors = (sums + prior[:, None]) / (counts * mean[:, None] + prior[:, None])
        self.factors = factors / factors.mean(axis=1, keepdims=True)
        self._dispersion(window, used)
        self._misfit(window, self.expected[:, lo:t], used)

    def _dispersion(self, window: np.ndarray, used: np.ndarray) -> None:
        """Noise from week-over-week differences of baseline days: the weekday rhythm cancels and
        nothing depends on the model's own earlier fits (so two weeks of readings are enough)."""
        lag = self.season
        pairs = used[:, lag:] & used[:, :-lag]
        now, before = window[:, lag:], window[:, :-lag]
        counts = self.is_count
        if counts.any():
            ok = pairs[counts]
            diff = np.where(ok, now[counts] - before[counts], 0.0)
            mean = np.where(ok, 0.5 * (now[counts] + before[counts]), 0.0)
            excess = 0.5 * (diff * diff).sum(axis=1) - mean.sum(axis=1)
            squares = np.where(ok, 0.5 * (now[counts] ** 2 + before[counts] ** 2), 0.0).sum(axis=1)
            self.alpha[counts] = np.maximum(excess / np.maximum(squares, 1e-12), 0.0)
        index = ~counts
        if index.any():
            change = np.where(pairs[index], np.log1p(now[index]) - np.log1p(before[index]), np.nan)
            mad = _row_mad(change)
            self.scale[index] = np.where(
                np.isnan(mad), np.nan, np.maximum(1.4826 * np.nan_to_num(mad) / np.sqrt(2.0), MIN_LOG_SCALE)
            )
            self.dof[index] = np.maximum(pairs[index].sum(axis=1) - 1, 1)

    def _misfit(self, window: np.ndarray, past_mu: np.ndarray, used: np.ndarray) -> None:
        """Once four weeks have been scored, the noise is at least the spread of the model's own
        residuals: that also holds what the baseline gets wrong (drift, a weekday it misjudges)."""
        fitted = used & np.isfinite(past_mu)
        ready = fitted.sum(axis=1) >= LEVEL_DAYS
        counts = self.is_count & ready
        if counts.any():
            y, mu, ok = window[counts], past_mu[counts], fitted[counts]
            excess = np.where(ok, (y - mu) ** 2 - mu, 0.0).sum(axis=1)
            alpha = excess / np.maximum(np.where(ok, mu * mu, 0.0).sum(axis=1), 1e-12)
            self.alpha[counts] = np.maximum(self.alpha[counts], alpha)
        index = ~self.is_count & ready
        if index.any():
            residual = np.where(fitted[index], np.log1p(window[index]) - np.log1p(past_mu[index]), np.nan)
            self.scale[index] = np.fmax(self.scale[index], 1.4826 * _row_mad(residual))

    def scores(
        self,
        y: np.ndarray,
        mu: np.ndarray,
        alpha: np.ndarray,
        days: int,
        rows: slice | np.ndarray = slice(None),
    ) -> np.ndarray:
        """z of a `days`-day sum against its expected sum (index rows: mean log residual), for the
        series selected by `rows`."""
        z = np.full(len(y), np.nan)
        counts = self.is_count[rows]
        ok = np.isfinite(y) & np.isfinite(mu)
        c = counts & ok
        if c.any():
            z[c] = _tail_z(y[c], mu[c], alpha[c])
        i = ~counts & ok
        if i.any():
            residual = np.log1p(y[i]) - np.log1p(mu[i])  # log of the ratio of the sums
            z[i] = _t_to_z(residual / (self.scale[rows][i] / np.sqrt(days)), self.dof[rows][i])
        return z

    def scores_of(self, row: int, y: float, mu: float, alpha: float, days: int) -> float:
        """`scores` for one series."""
        if self.is_count[row]:
            return float(_tail_z(np.array([y]), np.array([mu]), np.array([alpha]))[0])
        residual = np.log1p(y) - np.log1p(mu)
        return float(
            _t_to_z(np.array([residual / (self.scale[row] / np.sqrt(days))]), self.dof[row : row + 1])[0]
        )

    def step(self, t: int) -> None:
        self.baseline(t)
        mu = self.level * self.factors[:, t % self.season]
        self.expected[:, t] = mu
        z = self.scores(self.y[:, t], mu, self.alpha, 1)
        self.score[:, t] = z
        self._confirm(t)
        self.used[:, t] = self.finite[:, t] & ~(z >= EXCLUDE_Z)  # NaN (no baseline yet) is admitted
        if t >= 1:
            self.episodes(t)

    def _confirm(self, t: int) -> None:
        """The best confirmation over the windows ending today; `span` keeps which one it was."""
        best = np.full(self.n, -np.inf)
        total_y, total_mu, total_mu2 = np.zeros(self.n), np.zeros(self.n), np.zeros(self.n)
        lowest = np.full(self.n, np.inf)
        sparse = self.is_count & (self.level < SPARSE_LEVEL)
        done = 0
        for span, margin in CONFIRM_WINDOWS + SPARSE_WINDOWS:
            if t + 1 < span:
                break
            for day in range(t - done, t - span, -1):  # extend the running sums back to `span` days
                mus = self.expected[:, day]
                total_y += self.y[:, day]
                total_mu += mus
                total_mu2 += mus * mus
                lowest = np.minimum(lowest, self.score[:, day])  # NaN anywhere → NaN
            done = span
            rows = slice(None) if span <= CONFIRM_WINDOWS[-1][0] else sparse
            with np.errstate(invalid="ignore", divide="ignore"):
                alpha = self.alpha[rows] * total_mu2[rows] / total_mu[rows] ** 2
            window = self.scores(
                total_y[rows], total_mu[rows], np.where(np.isfinite(alpha), alpha, 0.0), span, rows
            )
            confirmed = np.full(self.n, np.nan)
            confirmed[rows] = np.fmin(window, lowest[rows] + margin)
            # The onset is the start of the shortest window that confirms: a longer one may pass
            # only because the days before the rise were a little high by chance.
            passed = best >= self.threshold
            better = (confirmed > best) & ~passed  # NaN compares False
            self.span[better] = span
            best = np.where(passed, best, np.fmax(best, confirmed))
        self.confirmed[:, t] = np.where(np.isfinite(best), best, np.nan)

    def episodes(self, t: int) -> None:
        confirmed = np.nan_to_num(self.confirmed[:, t], nan=-np.inf)
        start = ~self.open & (confirmed >= self.threshold)
        for row in np.flatnonzero(start):
            onset = t - self.span[row] + 1
            self.open[row], self.onset[row], self.decided[row] = True, onset, False
            self.frozen_level[row] = np.nan_to_num(self.level[row])
            self.frozen_factors[row] = self.factors[row]
            self.observed[row] = np.nan
            self.baseline_then[row] = np.nan
            self.event_index[row] = len(self.events)
            self.events.append([row, onset, SPIKE, -1, t])
            for day in range(onset, t):  # today's value is added with every open episode's below
                self._accumulate(row, day)
        rows = np.flatnonzero(self.open)
        offset = t - self.onset[rows]
        rows, offset = rows[offset < DECIDE_DAYS], offset[offset < DECIDE_DAYS]
        self.observed[rows, offset] = self.y[rows, t]
        self.baseline_then[rows, offset] = (
            self.frozen_level[rows] * self.frozen_factors[rows, t % self.season]
        )
        self._decide(t)
        quiet = np.nan_to_num(np.fmax(self.score[:, t], self.score[:, t - 1]), nan=-np.inf) < END_Z
        self.open &= ~(self.decided & quiet)
        stale = self.open & (t - self.onset >= MAX_EPISODE_DAYS)
        for row in np.flatnonzero(stale):  # still over the old baseline after six weeks: the new norm
            self._rebase(row, t - DECIDE_DAYS + 1, t)
            self.open[row] = False

    def _accumulate(self, row: int, day: int) -> None:
        offset = day - self.onset[row]
        if offset < DECIDE_DAYS:
            self.observed[row, offset] = self.y[row, day]
            self.baseline_then[row, offset] = (
                self.frozen_level[row] * self.frozen_factors[row, day % self.season]
            )

    def _decide(self, t: int) -> None:
        due = self.open & ~self.decided & (t - self.onset == DECIDE_DAYS - 1)
        for row in np.flatnonzero(due):
            excess = self.observed[row] - self.baseline_then[row]
            first = _trimmed_mean(excess[:SEASON])
            last = _trimmed_mean(excess[DECIDE_DAYS - SEASON :])
            event = self.events[self.event_index[row]]
            event[3] = t
            self.decided[row] = True
            if first > 0 and last >= BREAKOUT_RATIO * first and self._still_high(row):
                event[2] = BREAKOUT
                self._rebase(row, self.onset[row], t)
                self.open[row] = False

    def _still_high(self, row: int) -> bool:
        """The last week of the episode, on its own, is over the old baseline at the spike threshold."""
        week = slice(DECIDE_DAYS - SEASON, DECIDE_DAYS)
        seen = np.isfinite(self.observed[row, week])
        mus = self.baseline_then[row, week][seen]
        if len(mus) < 2:
            return False
        alpha = self.alpha[row] * (mus**2).sum() / max(mus.sum(), 1e-12) ** 2
        z = self.scores_of(row, self.observed[row, week][seen].sum(), mus.sum(), alpha, len(mus))
        return bool(z >= self.threshold)

    def _rebase(self, row: int, start: int, t: int) -> None:
        """The level window restarts at `start`, and the days since then count as baseline again."""
        self.regime_start[row] = start
        self.used[row, start : t + 1] = self.finite[row, start : t + 1]


def detect_events(
    values: np.ndarray,
    threshold: float = 3.5,
    is_count: np.ndarray | None = None,
    name: str = "interest",
    season: int = SEASON,
) -> TrendEvents:
    """Score every day of every series and find its spikes and breakouts (see the module doc).

    `values` is (series × days), NaN where a day has no reading; `is_count` overrides the per-row
    rule of `is_count_series`; `season` is the rhythm's period in steps (7 for daily readings, 1 for
    none: yearly data).
    """
    y = as_panel(values, name)
    kinds = is_count_series(y) if is_count is None else np.asarray(is_count, dtype=bool)
    if kinds.shape != (len(y),):
        raise EventInputError(
            f"{name}: is_count needs one flag per series ({len(y)}), got shape {kinds.shape}"
        )
    if season < 1:
        raise EventInputError(f"{name}: season must be ≥ 1 step, got {season}")
    detector = _Detector(y, kinds, threshold, season)
    for t in range(y.shape[1]):
        detector.step(t)
    events = np.array(detector.events, dtype=int).reshape(-1, 5)
    return TrendEvents(
        score=detector.score,
        confirmed=detector.confirmed,
        expected=detector.expected,
        is_count=kinds,
        events=events,
    )
