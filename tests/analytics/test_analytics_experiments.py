"""Bayesian A/B, the sequential test's error rate under peeking, CUPED, and bandits."""

import numpy as np
import pytest

from marketing_engine.analytics.bandits import (
    BanditError,
    ThompsonSampling,
    decision_microseconds,
    regret_over_seeds,
)
from marketing_engine.analytics.experiments import (
    ExperimentError,
    bayesian_ab,
    cuped,
    proportion_sequential,
    read_daily,
)


def test_bayesian_read_out_matches_monte_carlo_on_beta_posteriors():
    result = bayesian_ab(500, 10_000, 560, 10_000)
    rng = np.random.default_rng(0)
    a, b = rng.beta(501, 9501, 400_000), rng.beta(561, 9441, 400_000)
    assert result.chance_to_win == pytest.approx((b > a).mean(), abs=0.005)
    low, high = np.percentile(b / a - 1, [2.5, 97.5])
    assert result.ci_low == pytest.approx(low, abs=0.01)
    assert result.ci_high == pytest.approx(high, abs=0.01)
    assert 0 < result.expected_loss < 0.01
    with pytest.raises(ExperimentError, match="variant B"):
        bayesian_ab(5, 100, 200, 100)


def _peeking_rejections(lift: float, reps: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    sequential = naive = 0
    for _ in range(reps):
        daily_a = np.full(14, 1000)
        conv_a, conv_b = rng.binomial(daily_a, 0.05), rng.binomial(daily_a, 0.05 * (1 + lift))
        looks = read_daily(daily_a, daily_a, conv_a, conv_b)
        sequential += any(look.sequential.significant for look in looks)
        naive += any(look.bayes.chance_to_win > 0.975 or look.bayes.chance_to_win < 0.025 for look in looks)
    return sequential / reps, naive / reps


def test_sequential_test_keeps_false_positives_under_alpha_with_daily_peeking():
    sequential, naive = _peeking_rejections(0.0, 400, seed=1)
    assert sequential <= 0.05
    assert naive > 0.1  # peeking at a fixed-horizon read-out 14 times inflates it


def test_sequential_test_detects_a_large_lift():
    assert proportion_sequential(1000, 20_000, 1300, 20_000).significant
    with pytest.raises(ExperimentError, match="at least 2"):
        proportion_sequential(0, 1, 0, 1)


def test_cuped_reduces_variance_with_a_correlated_covariate():
    rng = np.random.default_rng(0)
    pre = rng.normal(100, 20, 5000)
    post = 0.8 * pre + rng.normal(0, 10, 5000)
    result = cuped(post, pre)
    assert result.theta == pytest.approx(0.8, abs=0.03)
    assert result.variance_reduction > 0.6
    assert result.adjusted.mean() == pytest.approx(post.mean())
    with pytest.raises(ExperimentError, match="pre-period"):
        cuped(post, pre[:10])


def test_thompson_sampling_beats_ucb1_and_allocates_to_the_best_arm():
    probabilities = np.array([0.10] + [0.08] * 9)
    ts_regret = regret_over_seeds("thompson", probabilities, 20_000, runs=8, seed=2)
    ucb_regret = regret_over_seeds("ucb1", probabilities, 20_000, runs=8, seed=2)
    assert ts_regret.mean() < ucb_regret.mean()
    assert decision_microseconds(decisions=2000) < 1000  # generous: a loaded CI machine
    with pytest.raises(BanditError, match="unknown bandit policy"):
        regret_over_seeds("greedy", probabilities, 10, runs=1)
    bandit = ThompsonSampling(["question", "statistic"], seed=0)
    for _ in range(200):
        bandit.update("question", 1.0)
        bandit.update("statistic", 0.0)
    assert bandit.allocation()["question"] > 0.99
    assert bandit.choose() == 0
    with pytest.raises(BanditError):
        bandit.update(5, 1.0)
    with pytest.raises(BanditError):
        ThompsonSampling([])
    bandit.record("statistic", 30, 100)
    assert bandit.successes.tolist() == [200.0, 30.0] and bandit.failures.tolist() == [0.0, 270.0]
    with pytest.raises(BanditError, match="not a valid count"):
        bandit.record("statistic", 5, 2)
    with pytest.raises(BanditError, match="is not one of"):
        bandit.record("story", 1, 2)
