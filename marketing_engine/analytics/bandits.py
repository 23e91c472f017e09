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
    successes: np.ndarray = field(init=False)
    failures: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if not self.arms:
            raise BanditError("a bandit needs at least one arm")
        self.successes = np.zeros(len(self.arms))
        self.failures = np.zeros(len(self.arms))
        self._rng = np.random.default_rng(self.seed)

    def choose(self) -> int:
        return int(np.argmax(self._rng.beta(self.successes + 1.0, self.failures + 1.0)))

    def update(self, arm: int | str, reward: float) -> None:
        index = self.arms.index(arm) if isinstance(arm, str) else arm
        if not 0 <= index < len(self.arms):
            raise BanditError(f"arm {arm!r} is not one of {self.arms}")
        self.successes[index] += reward
        self.failures[index] += 1.0 - reward

    def allocation(self, draws: int = 20_000) -> dict[str, float]:
        """Posterior probability that each arm is best (Thompson sampling's traffic shares)."""
        samples = self._rng.beta(self.successes + 1.0, self.failures + 1.0, size=(draws, len(self.arms)))
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


def thompson_regret(probabilities: np.ndarray, horizon: int, seed: int = 0) -> tuple[float, float]:
    """Cumulative (expected) regret of Beta-Bernoulli Thompson sampling, and µs per decision.

    Batched draws: one vectorized Beta draw per step is the costly part, so uniforms for the
    rewards are drawn up front."""
    rng = np.random.default_rng(seed)
    k = probabilities.size
    alpha, beta = np.ones(k), np.ones(k)
    best = probabilities.max()
    rewards = rng.random(horizon)
    regret = 0.0

    started = time.perf_counter()
    for t in range(horizon):
        arm = int(np.argmax(rng.beta(alpha, beta)))
        if rewards[t] < probabilities[arm]:
            alpha[arm] += 1
        else:
            beta[arm] += 1
        regret += best - probabilities[arm]
    elapsed = time.perf_counter() - started
    return regret, elapsed / horizon * 1e6


def ucb1_regret(probabilities: np.ndarray, horizon: int, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    bandit = UCB1(probabilities.size)
    best = probabilities.max()
    rewards = rng.random(horizon)
    regret = 0.0

    started = time.perf_counter()
    for t in range(horizon):
        arm = bandit.choose()
        bandit.update(arm, float(rewards[t] < probabilities[arm]))
        regret += best - probabilities[arm]
    return regret, (time.perf_counter() - started) / horizon * 1e6
