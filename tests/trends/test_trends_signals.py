"""Spike scores, confirmation, lifecycle, virality and forecasts on panels with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from marketing_engine.trends.backtest import mase, reference_onsets, score_detections
from marketing_engine.trends.forecast import ForecastInputError, seasonal_naive, theta_forecast
from marketing_engine.trends.replay_data import generate_panel
from marketing_engine.trends.signals import (
    SignalInputError,
    confirmed_scores,
    cross_platform_confirmations,
    latest_signals,
    lifecycle_stages,
    spike_onsets,
    spike_scores,
    trailing_zscore,
    viral_coefficient,
)


def weekly_series(days: int = 120, level: float = 40.0, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekend = np.where(t % 7 >= 5, 1.5, 1.0)  # weekends 50 % higher: must not look like spikes
    return level * weekend * np.exp(rng.normal(0, 0.05, days))


def test_weekly_rhythm_alone_is_never_a_spike():
    assert not spike_onsets(spike_scores(weekly_series()[None, :]), 3.5).any()


def test_spike_is_detected_once_within_a_day_and_a_blip_is_not():
    series = weekly_series()
    spiked, blipped = series.copy(), series.copy()
    spiked[90:] *= np.r_[3.0, 4.0, np.linspace(3.5, 1.2, 28)]
    blipped[90] *= 5.0
    onsets = spike_onsets(spike_scores(np.stack([spiked, blipped])), 3.5)
    assert np.flatnonzero(onsets[0]).tolist() == [90]
    assert not onsets[1].any()
    assert reference_onsets(trailing_zscore(blipped[None, :]), 3.0)[0, 90]  # the reference takes the bait
    scores = spike_scores(blipped[None, :])
    assert scores[0, 90] > 5 and confirmed_scores(scores)[0, 91] < 3.5


def test_detector_beats_reference_on_generated_truth():
    panel = generate_panel(300, 365, seed=5)
    ours = score_detections(spike_onsets(spike_scores(panel.interest), 3.5), panel.spikes, 35)
    reference = score_detections(reference_onsets(trailing_zscore(panel.interest)), panel.spikes, 35)
    assert ours.f1 >= 0.88 and ours.recall >= 0.88
    assert ours.mean_delay_days <= 1.0
    assert ours.f1 > reference.f1 + 0.2


def test_short_history_still_scores_the_last_two_days():
    series = weekly_series(days=30)
    series[-2:] *= 5
    scores = spike_scores(series[None, :])
    assert np.isfinite(scores[0, -2:]).all() and confirmed_scores(scores)[0, -1] > 3.5


def test_latest_signals_report_onset_lifecycle_and_virality():
    base = weekly_series(days=70)
    spiking = base.copy()
    spiking[-3:] *= [3.0, 4.0, 4.0]
    declining = base * np.r_[np.ones(49), np.linspace(1, 0.4, 21)]
    signals = latest_signals(np.stack([base, spiking, declining]), threshold=3.5)
    assert signals.spike_onset.tolist() == [-1, 67, -1]
    assert signals.lifecycle.tolist() == ["stable", "emerging", "declining"]
    assert signals.viral[1] > 1.5 and signals.viral[2] < 1.0


def test_growing_and_peaking_rules():
    t = np.arange(63, dtype=float)
    growing = 20 * np.exp(0.03 * t)  # +23 % a week, steady
    peaking = 20 * np.exp(0.03 * np.minimum(t, 52)) * np.exp(-0.002 * np.maximum(t - 52, 0))
    stages = lifecycle_stages(np.stack([growing, peaking]), np.array([0.0, 0.0]), 3.5)
    assert stages.tolist() == ["growing", "peaking"]
    assert viral_coefficient(growing[None, :])[0] == pytest.approx(1.0, abs=0.01)


def test_cross_platform_confirmation_ignores_silent_sources():
    per_source = np.array([[4.0, 0.5], [2.5, np.nan], [np.nan, 3.0], [1.0, 1.0]])
    assert cross_platform_confirmations(per_source, 2.0).tolist() == [2, 1]


def test_bad_input_is_named():
    with pytest.raises(SignalInputError, match="interest must be ≥ 0"):
        spike_scores(np.array([[1.0, -2.0]]))
    with pytest.raises(SignalInputError, match="shape"):
        spike_scores(np.zeros((2, 2, 2)))
    with pytest.raises(SignalInputError, match="21 days"):
        lifecycle_stages(np.ones((1, 14)), np.zeros(1), 3.5)


def test_forecast_beats_seasonal_naive_with_calibrated_intervals():
    panel = generate_panel(120, 379, seed=9)
    train, test = panel.interest[:, :365].astype(float), panel.interest[:, 365:].astype(float)
    forecast = theta_forecast(train, horizon=14)
    ours = mase(test, forecast.mean, train).mean()
    naive = mase(test, seasonal_naive(train, 14), train).mean()
    assert ours < naive * 0.9
    coverage = ((test >= forecast.lower) & (test <= forecast.upper)).mean()
    assert 0.7 <= coverage <= 0.97
    assert ((forecast.peak_offset >= 1) & (forecast.peak_offset <= 14)).all()


def test_forecast_rejects_short_or_gappy_input():
    with pytest.raises(ForecastInputError, match="at least 21 days"):
        theta_forecast(np.ones((1, 10)))
    with pytest.raises(ForecastInputError, match="NaN"):
        theta_forecast(np.r_[np.ones(30), np.nan][None, :])
    with pytest.raises(ForecastInputError, match="horizon"):
        theta_forecast(np.ones((1, 30)), horizon=0)


def test_weekly_evaluated_windows_match_daily_ones_on_the_newest_days(monkeypatch):
    from marketing_engine.trends import signals

    series = np.stack([weekly_series(days=30, seed=s) for s in range(5)])
    series[:, -2:] *= 4
    strided = spike_scores(series)
    exact = signals._median_of_windows
    monkeypatch.setattr(
        signals, "_median_of_windows", lambda past, window, center=None: exact(past, window, center, stride=1)
    )
    assert np.allclose(strided[:, -2:], spike_scores(series)[:, -2:])


def test_brief_quotes_every_source_it_was_given():
    from marketing_engine.trends.opportunities import compose_brief

    opportunity = {
        "topic": "cargo e-bike",
        "reason": "spiking since 2026-05-03.",
        "matched_seed": "cargo e-bike",
        "rank": 1,
        "score": 2.5,
        "relevance": 1.0,
        "lifecycle": "emerging",
        "spike_date": "2026-05-03",
    }
    text = compose_brief(
        opportunity,
        "Kestrel Cycles",
        headlines=[{"title": "Cargo e-bike sales double", "link": "https://n.example/1"}],
        rising=[{"query": "cargo e-bike rebate", "growth": 350}],
        posts=[{"subreddit": "ebikes", "title": "Cargo e-bike for two kids?", "comments": 12}],
    )
    assert "- [Cargo e-bike sales double](https://n.example/1)" in text
    assert "- cargo e-bike rebate (+350 %)" in text
    assert "- r/ebikes: Cargo e-bike for two kids? (12 comments)" in text
