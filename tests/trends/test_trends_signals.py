"""Spike scores, confirmation, lifecycle, virality and forecasts on panels with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from marketing_engine.trends.backtest import mase, reference_onsets, score_detections
from marketing_engine.trends.events import BREAKOUT, SPIKE, detect_events, is_count_series
from marketing_engine.trends.forecast import (
    ForecastInputError,
    forecast_topics,
    intermittent,
    seasonal_naive,
    theta_forecast,
    tsb_forecast,
)
from marketing_engine.trends.replay_data import generate_panel
from marketing_engine.trends.signals import (
    SignalInputError,
    cross_platform_confirmations,
    latest_signals,
    lifecycle_stages,
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
    events = detect_events(weekly_series()[None, :])
    assert not events.spike_onsets.any() and not events.breakout_onsets.any()


def test_spike_is_detected_once_within_a_day_and_a_blip_is_not():
    series = weekly_series()
    spiked, blipped = series.copy(), series.copy()
    spiked[90:] *= np.r_[3.0, 4.0, np.linspace(3.5, 1.2, 28)]
    blipped[90] *= 5.0
    events = detect_events(np.stack([spiked, blipped]))
    assert events.events[:, :3].tolist() == [[0, 90, SPIKE]]
    assert events.events[0, 4] == 91  # confirmed the day after the onset
    assert reference_onsets(trailing_zscore(blipped[None, :]), 3.0)[0, 90]  # the reference takes the bait
    assert events.score[1, 90] > 5 and events.confirmed[1, 91] < 3.5


def test_detector_beats_reference_on_generated_truth():
    panel = generate_panel(300, 365, seed=5)
    ours = score_detections(detect_events(panel.interest).spike_onsets, panel.spikes, 35)
    reference = score_detections(reference_onsets(trailing_zscore(panel.interest)), panel.spikes, 35)
    assert ours.f1 >= 0.88 and ours.recall >= 0.85
    assert ours.mean_delay_days <= 1.0
    assert ours.f1 > reference.f1 + 0.2


def test_short_history_still_scores_the_last_two_days():
    series = weekly_series(days=30)
    series[-2:] *= 5
    events = detect_events(series[None, :])
    assert np.isfinite(events.score[0, -2:]).all() and events.confirmed[0, -1] > 3.5
    assert events.events[:, 4].tolist() == [28]  # one event, reported on the first high day


def sparse_counts(days: int = 120, rate: float = 3.0, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekend = np.where(np.arange(days) % 7 >= 5, 0.7, 1.1)
    return rng.poisson(rate * weekend).astype(float)


def test_a_jump_from_three_to_twenty_mentions_is_a_spike_for_the_count_model():
    series = sparse_counts()
    series[100:104] = [20, 17, 9, 6]
    events = detect_events(series[None, :])
    assert is_count_series(series[None, :]).tolist() == [True]
    assert events.events[:, :3].tolist() == [[0, 100, SPIKE]]
    assert events.confirmed[0, 101] > 4.5  # p < 4e-6, far below the 2.3e-4 of the default threshold
    # The same ordinary days never fire: no false alarm on the plain series.
    assert len(detect_events(sparse_counts()[None, :]).events) == 0


def test_count_model_weighs_a_jump_by_volume():
    """+17 mentions is huge at 3 a day and noise at 800 a day: the score knows the difference."""
    small, large = sparse_counts(rate=3.0), sparse_counts(rate=800.0)
    small[100:102] += 17
    large[100:102] += 17
    events = detect_events(np.stack([small, large]))
    assert events.confirmed[0, 101] > 3.5 > events.confirmed[1, 101]


def test_a_level_shift_is_a_breakout_not_a_spike():
    series = sparse_counts(days=200, rate=40.0)
    series[100:] = np.random.default_rng(9).poisson(100.0 * np.where(np.arange(100, 200) % 7 >= 5, 0.7, 1.1))
    events = detect_events(series[None, :])
    assert events.events[:, 2].tolist() == [BREAKOUT]
    onset, decided = events.events[0, 1], events.events[0, 3]
    assert abs(onset - 100) <= 1 and decided == onset + 20
    assert not events.spike_onsets.any() and events.breakout_onsets[0, onset]
    # After the decision the new level is the baseline: later days score as ordinary again.
    assert np.nanmax(np.abs(events.score[0, 160:])) < 3.5
    signals = latest_signals(series[None, : decided + 3])
    assert signals.lifecycle.tolist() == ["breakout"] and signals.breakout_onset.tolist() == [onset]
    assert signals.spike_onset.tolist() == [-1]


def test_a_google_trends_index_uses_the_robust_fallback():
    rng = np.random.default_rng(2)
    index = np.clip(np.round(50 + rng.normal(0, 1.5, 120)), 0, 100)
    index[100:103] = [62, 64, 61]
    assert is_count_series(index[None, :], source="google_trends").tolist() == [False]
    assert is_count_series(index[None, :]).tolist() == [True]  # whole numbers alone would say counts
    as_index = detect_events(index[None, :], is_count=is_count_series(index[None, :], "google_trends"))
    as_counts = detect_events(index[None, :])
    # Index points are not events: ±1.5 points of noise make 62 a spike, which Poisson (±7) cannot see.
    assert as_index.events[:, :3].tolist() == [[0, 100, SPIKE]]
    assert len(as_counts.events) == 0
    assert np.isfinite(as_index.score[0, 30:]).all()


def test_latest_signals_report_a_breakout_only_after_it_is_decided():
    series = sparse_counts(days=150, rate=40.0)
    series[100:] = np.round(series[100:] * 2.5)
    early = latest_signals(series[None, :103])
    assert early.spike_onset.tolist() == [100] and early.lifecycle.tolist() == ["emerging"]
    assert latest_signals(series[None, :]).lifecycle.tolist() != ["emerging"]


def test_latest_signals_report_onset_lifecycle_and_virality():
    base = weekly_series(days=70)
    spiking = base.copy()
    spiking[-3:] *= [3.0, 4.0, 4.0]
    declining = base * np.r_[np.ones(49), np.linspace(1, 0.4, 21)]
    signals = latest_signals(np.stack([base, spiking, declining]), threshold=3.5)
    assert signals.spike_onset.tolist() == [-1, 67, -1] and signals.breakout_onset.tolist() == [-1, -1, -1]
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


def test_intermittent_series_get_tsb_and_beat_seasonal_naive():
    rng = np.random.default_rng(6)
    counts = rng.poisson(rng.uniform(0.1, 0.6, (200, 1)), size=(200, 134)).astype(float)
    train, test = counts[:, :120], counts[:, 120:]
    assert intermittent(train).all()
    tsb = tsb_forecast(train, horizon=14)
    assert np.allclose(forecast_topics(train, horizon=14).mean, tsb.mean)
    naive = seasonal_naive(train, 14)
    assert mase(test, tsb.mean, train).mean() < mase(test, naive, train).mean()
    assert np.sqrt(((test - tsb.mean) ** 2).mean()) < 0.8 * np.sqrt(((test - naive) ** 2).mean())
    assert (tsb.lower >= 0).all() and (tsb.upper >= tsb.mean).all()
    busy = rng.poisson(40.0, (3, 120)).astype(float)
    assert not intermittent(busy).any()
    assert np.allclose(forecast_topics(busy).mean, theta_forecast(busy).mean)


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


def test_brief_names_a_breakout_as_one():
    from marketing_engine.trends.opportunities import compose_brief

    opportunity = {
        "topic": "heat pumps",
        "reason": "breakout since 2026-04-10.",
        "matched_seed": "heat pumps",
        "rank": 1,
        "score": 1.2,
        "relevance": 1.0,
        "lifecycle": "breakout",
        "spike_date": "2026-04-10",
    }
    text = compose_brief(opportunity, "Example Co")
    assert "- lifecycle: breakout; breakout date: 2026-04-10" in text and "spike date" not in text


@pytest.mark.parametrize(
    ("score", "says"),
    [
        (6.8, "spiking since 2026-11-24 (score 6.8, threshold 3.5)"),
        (-40.0, "last spike 2026-11-24; today's score -40.0 is under the threshold 3.5"),
    ],
)
def test_an_opportunity_says_spiking_only_while_the_score_is_over_the_threshold(score, says):
    from datetime import date

    from marketing_engine.trends.opportunities import TopicSignalRow, _reason

    signal = TopicSignalRow("t", score, score, date(2026, 11, 24), "peaking", 0, 6, 0.9, None)
    reason = _reason(signal, 0.5, "t", 3.5)
    assert reason.startswith(says) and ("spiking" in reason) == (score >= 3.5)


def test_signals_and_forecasts_in_topic_blocks_equal_the_whole_panel() -> None:
    # Topics are scored and forecast a block at a time (memory bounded however many topics): each
    # topic's figures must be exactly those of the whole panel at once, counts and intermittent rows too.
    values = generate_panel(300, 200, seed=11).interest.astype(float)
    values[::5, 60:140] = np.round(values[::5, 60:140] / 40)  # zero-heavy rows: TSB and count scoring
    whole, blocks = latest_signals(values, 3.5), latest_signals(values, 3.5, block=70)
    for name in ("spike_score", "confirmed_score", "spike_onset", "breakout_onset", "lifecycle", "viral"):
        a, b = getattr(whole, name), getattr(blocks, name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert (whole.spike_onset >= 0).any()
    one, many = forecast_topics(values, 14), forecast_topics(values, 14, block=70)
    for name in ("mean", "lower", "upper", "peak_offset", "alpha"):
        assert np.array_equal(getattr(one, name), getattr(many, name), equal_nan=True), name
    counts = np.zeros(300, dtype=bool)
    with pytest.raises(ValueError, match="is_count needs one flag per series"):
        latest_signals(values, 3.5, is_count=counts[:10], block=70)
