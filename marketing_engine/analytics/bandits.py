"""Bandits that choose hooks, titles, thumbnails and posting times while they learn.

`ThompsonSampling` keeps a Beta posterior per arm and plays the arm with the highest draw;
`allocation()` gives the probability that each arm is best (the share of traffic Thompson sampling
would give it), which is what the publishing calendar reads. `UCB1` is the classic reference.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np


class BanditError(ValueError):
    """An arm that does not exist, or a bandit with no arms."""


@dataclass
class ThompsonSampling:
    arms: list[str]
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.arms:
            raise BanditError("a bandit needs at least one arm")
        # Beta(1, 1) priors, kept as the posterior parameters themselves: a decision is one draw.
        self._alpha = np.ones(len(self.arms))
        self._beta = np.ones(len(self.arms))
        self._index = {arm: i for i, arm in enumerate(self.arms)}
        self._rng = np.random.default_rng(self.seed)

    @property
    def successes(self) -> np.ndarray:
        return self._alpha - 1.0

    @property
    def failures(self) -> np.ndarray:
        return self._beta - 1.0

    def choose(self) -> int:
        return int(self._rng.beta(self._alpha, self._beta).argmax())

    def update(self, arm: int | str, reward: float) -> None:
        index = self._index.get(arm, -1) if isinstance(arm, str) else arm
        if not 0 <= index < len(self.arms):
            raise BanditError(f"arm {arm!r} is not one of {self.arms}")
        self._alpha[index] += reward
        self._beta[index] += 1.0 - reward

    def record(self, arm: str, successes: float, trials: float) -> None:
        """Add many observations of one arm at once (e.g. an A/B test's visitors and conversions)."""
        if arm not in self._index:
            raise BanditError(f"arm {arm!r} is not one of {self.arms}")
        if not 0 <= successes <= trials:
            raise BanditError(
                f"arm {arm!r}: {successes} successes out of {trials} trials is not a valid count"
            )
        self._alpha[self._index[arm]] += successes
        self._beta[self._index[arm]] += trials - successes

    def allocation(self, draws: int = 20_000) -> dict[str, float]:
        """Posterior probability that each arm is best (Thompson sampling's traffic shares)."""
        samples = self._rng.beta(self._alpha, self._beta, size=(draws, len(self.arms)))
        wins = np.bincount(samples.argmax(axis=1), minlength=len(self.arms)) / draws
        return dict(zip(self.arms, wins.tolist()))


@dataclass
class UCB1:
    n_arms: int
    counts: np.ndarray = field(init=False)
    sums: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.n_arms < 1:
            raise BanditError("a bandit needs at least one arm")
        self.counts = np.zeros(self.n_arms)
        self.sums = np.zeros(self.n_arms)
        self._t = 0

    def choose(self) -> int:
        self._t += 1
        if self._t <= self.n_arms:
            return self._t - 1
        bonus = np.sqrt(2.0 * math.log(self._t) / self.counts)
        return int(np.argmax(self.sums / self.counts + bonus))

    def update(self, arm: int, reward: float) -> None:
        self.counts[arm] += 1
        self.sums[arm] += reward


def regret_over_seeds(
    policy: str, probabilities: np.ndarray, horizon: int, runs: int, seed: int = 0
) -> np.ndarray:
    """Cumulative expected regret of `runs` independent bandits played side by side (vectorized
    across runs, so many seeds cost about as much as one): "thompson" or "ucb1"."""
    if policy not in ("thompson", "ucb1"):
        raise BanditError(f"unknown bandit policy {policy!r} (use 'thompson' or 'ucb1')")
    rng = np.random.default_rng(seed)
    k = probabilities.size
    wins, plays = np.zeros((runs, k)), np.zeros((runs, k))
    rows = np.arange(runs)
    regret = np.zeros(runs)
    best = probabilities.max()
    for t in range(horizon):
        if policy == "thompson":
            arm = np.argmax(rng.beta(wins + 1.0, plays - wins + 1.0), axis=1)
        elif t < k:
            arm = np.full(runs, t)
        else:
            arm = np.argmax(wins / plays + np.sqrt(2.0 * math.log(t + 1) / plays), axis=1)
        reward = rng.random(runs) < probabilities[arm]
        wins[rows, arm] += reward
        plays[rows, arm] += 1.0
        regret += best - probabilities[arm]
    return regret


def decision_microseconds(arms: int = 10, decisions: int = 20_000, seed: int = 0) -> float:
    """Time of one choose + update of `ThompsonSampling` (the class the engine uses), in µs."""
    bandit = ThompsonSampling([f"arm {i}" for i in range(arms)], seed=seed)
    rewards = np.random.default_rng(seed).random(decisions) < 0.1
    started = time.perf_counter()
    for reward in rewards:
        bandit.update(bandit.choose(), float(reward))
    return (time.perf_counter() - started) / decisions * 1e6
