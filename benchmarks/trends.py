"""Trend backtests: spike detection, forecast MASE, signal throughput and sensor tick time.

Every figure is printed beside its references, measured in the same run:
  * spike detection precision / recall / F1 by volume tier, on two independently written
    generators — the replay panel (`trends.replay_data`, continuous interest) and the niche-count
    panel (`benchmarks/_sparse_counts.py`, written from issue 18 before the detector: 1,500 series
    × 365 days at ~3, ~40 and ~800 mentions a day) — against a trailing 14-day z-score > 3 on
    log1p and a Poisson-tail reference (same-weekday mean of the 4 previous weeks, p < 1e-4 two
    days running); plus breakouts (level shifts) on the count panel, the latency of each report
    and false alarms per topic-year;
  * one real series with labelled events: the monthly Niño 1+2 sea-surface temperature that ships
    with statsmodels (`benchmarks/data/elnino_events.csv`, rule in `benchmarks/data/README.md`);
  * 14-day forecast MASE against seasonal-naive(7), statsforecast's AutoTheta and CrostonOptimized,
    on the replay sample, on the count panel per tier (with a fourth, intermittent tier of ~0.5 a
    day), and on rolling origins of the weekly Mauna Loa CO2 series from statsmodels (season 52);
  * all signals for 10,000 topics × 365 days against a bare numpy pass over the same array;
  * a spike-sensor tick with 10,000 topics over threshold.
Run alone: .venv/bin/python -m benchmarks trends
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np

from benchmarks._sparse_counts import TIER_NAMES, generate_counts
from marketing_engine.trends.backtest import DetectionScore, mase, reference_onsets, score_detections
from marketing_engine.trends.events import SPIKE, detect_events
from marketing_engine.trends.forecast import forecast_topics, seasonal_naive, theta_forecast, tsb_forecast
from marketing_engine.trends.replay_data import generate_panel
from marketing_engine.trends.signals import latest_signals, shift, trailing_zscore

HORIZON = 14
FIRST_DAY = 35  # every detector has five weeks of history before it is scored
DATA = Path(__file__).resolve().parent / "data"


def _statsforecast(
    train: np.ndarray, season: int, freq: str, names: tuple[str, ...] = ("AutoTheta",)
) -> tuple[dict[str, np.ndarray], float]:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoTheta, CrostonOptimized

    def frame(values: np.ndarray):
        n, t = values.shape
        return pd.DataFrame(
            {
                "unique_id": np.repeat(np.arange(n), t),
                "ds": np.tile(pd.date_range("2000-01-01", periods=t, freq=freq), n),
                "y": values.ravel(),
            }
        )

    known = {"AutoTheta": lambda: AutoTheta(season_length=season), "CrostonOptimized": CrostonOptimized}
    model = StatsForecast(models=[known[name]() for name in names], freq=freq, n_jobs=1)
    model.forecast(df=frame(train[:2]), h=HORIZON)  # compile numba once, outside the timing
    started = time.perf_counter()
    out = model.forecast(df=frame(train), h=HORIZON).sort_values(["unique_id", "ds"])
    seconds = time.perf_counter() - started
    return {name: out[name].to_numpy().reshape(len(train), HORIZON) for name in names}, seconds


def _forecast_table(
    name: str, train: np.ndarray, test: np.ndarray, season: int, freq: str, fit_days: int
) -> None:
    theta_forecast(train[:5], HORIZON, season, fit_days)
    started = time.perf_counter()
    ours = theta_forecast(train, HORIZON, season, fit_days)
    ours_s = time.perf_counter() - started
    found, auto_s = _statsforecast(train, season, freq)
    auto = found["AutoTheta"]
    score = {
        "ours (vectorized Theta)": mase(test, ours.mean, train, season).mean(),
        "seasonal-naive": mase(test, seasonal_naive(train, HORIZON, season), train, season).mean(),
        "AutoTheta": mase(test, auto, train, season).mean(),
    }
    coverage = ((test >= ours.lower) & (test <= ours.upper)).mean()
    print(f"\n{name}: {len(train)} series, 14-step MASE (season {season})")
    print(
        f"  ours            MASE {score['ours (vectorized Theta)']:.3f}  {len(train) / ours_s:>9,.0f} series/s"
        f"  80% interval coverage {coverage:.2f}"
    )
    print(
        f"  seasonal-naive  MASE {score['seasonal-naive']:.3f}   ratio ours/naive {score['ours (vectorized Theta)'] / score['seasonal-naive']:.2f}"
    )
    print(
        f"  AutoTheta       MASE {score['AutoTheta']:.3f}  {len(train) / auto_s:>9,.0f} series/s"
        f"   ratio ours/AutoTheta {score['ours (vectorized Theta)'] / score['AutoTheta']:.2f},"
        f" speed ×{auto_s / ours_s:,.0f}"
    )


def count_forecasts() -> None:
    """MASE per volume tier on the niche-count generator, with an intermittent fourth tier."""
    levels = (0.5, 3.0, 40.0, 800.0)
    panel = generate_counts(800, 365 + HORIZON, seed=21, levels=levels)
    train, test = panel.counts[:, :-HORIZON], panel.counts[:, -HORIZON:]
    started = time.perf_counter()
    ours = forecast_topics(train, HORIZON)
    ours_s = time.perf_counter() - started
    found, sf_s = _statsforecast(train, 7, "D", ("AutoTheta", "CrostonOptimized"))
    methods = {
        "ours (TSB if intermittent, else Theta)": ours.mean,
        "TSB everywhere": tsb_forecast(train, HORIZON).mean,
        "vectorized Theta everywhere": theta_forecast(train, HORIZON).mean,
        "seasonal-naive(7)": seasonal_naive(train, HORIZON),
        "AutoTheta (statsforecast)": found["AutoTheta"],
        "CrostonOptimized (statsforecast)": found["CrostonOptimized"],
    }
    names = ["~0.5 a day (intermittent)", *TIER_NAMES]
    scale = np.mean((train[:, 7:] - train[:, :-7]) ** 2, axis=1)
    print(
        f"\n14-day forecast by tier, niche-count panel ({len(train)} series, 351 days of history): MASE / RMSSE"
        " (RMSSE scores squared error, what a mean forecast such as TSB aims at; MASE rewards a median,"
        " which is 0 on a mostly-zero series)"
    )
    print("| method | " + " | ".join(names) + " |\n| --- |" + " --- |" * len(names))
    for name, forecast in methods.items():
        error = mase(test, forecast, train)
        squared = np.sqrt(np.mean((test - forecast) ** 2, axis=1) / np.maximum(scale, 1e-9))
        cells = [
            f"{error[panel.tier == k].mean():.3f} / {squared[panel.tier == k].mean():.3f}"
            for k in range(len(levels))
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    zeros = [(train[panel.tier == k] == 0).mean() for k in range(len(levels))]
    print(
        "share of zero days by tier: "
        + ", ".join(f"{z:.0%}" for z in zeros)
        + f"; ours {len(train) / ours_s:,.0f} series/s, statsforecast (both models) {len(train) / sf_s:,.0f} series/s"
    )


def forecasts() -> None:
    panel = generate_panel(200, 365 + HORIZON, seed=11)
    values = panel.interest.astype(np.float64)
    _forecast_table("replay sample", values[:, :-HORIZON], values[:, -HORIZON:], 7, "D", 120)
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate().bfill().to_numpy()
    window = 520  # ten years of weekly readings per origin
    origins = range(window, len(co2) - HORIZON, 10)
    train = np.stack([co2[o - window : o] for o in origins])
    test = np.stack([co2[o : o + HORIZON] for o in origins])
    _forecast_table("statsmodels co2 (weekly, rolling origins)", train, test, 52, "W", 260)


def poisson_tail_reference(values: np.ndarray, season: int = 7, p: float = 1e-4) -> np.ndarray:
    """The reference of issue 18: the same-weekday mean of the 4 previous weeks as a Poisson mean;
    a spike starts where p < 1e-4 two days running (marked on the first of the two days)."""
    from scipy import stats

    mean = np.mean([shift(values, season * k) for k in range(1, 5)], axis=0)
    tail = np.where(np.isnan(mean), 1.0, stats.poisson.sf(values - 1, np.maximum(np.nan_to_num(mean), 1e-9)))
    low = tail < p
    run = low & np.concatenate([np.zeros_like(low[:, :1]), low[:, :-1]], axis=1)
    starts = run & ~np.concatenate([np.zeros_like(run[:, :1]), run[:, :-1]], axis=1)
    onsets = np.zeros_like(starts)
    onsets[:, :-1] = starts[:, 1:]
    return onsets


def _subset(truth: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Truth rows of the series in `rows`, renumbered to positions within `rows`."""
    position = np.full(int(max(rows.max(), truth[:, 0].max() if len(truth) else 0)) + 1, -1)
    position[rows] = np.arange(len(rows))
    mine = truth[np.isin(truth[:, 0].astype(int), rows)].copy()
    mine[:, 0] = position[mine[:, 0].astype(int)]
    return mine


def _by_tier(
    onsets: np.ndarray, truth: np.ndarray, tier: np.ndarray, tolerance: int = 1
) -> list[DetectionScore]:
    scores = []
    for k in range(tier.max() + 1):
        rows = np.flatnonzero(tier == k)
        scores.append(score_detections(onsets[rows], _subset(truth, rows), FIRST_DAY, tolerance))
    return [*scores, score_detections(onsets, truth, FIRST_DAY, tolerance)]


def _table(title: str, columns: list[str], rows: dict[str, list[DetectionScore]]) -> None:
    print(f"\n{title}\n| detector | " + " | ".join(columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for name, scores in rows.items():
        cells = [f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}" for s in scores]
        print(f"| {name} | " + " | ".join(cells) + " |")


def _latency(events: np.ndarray, truth: np.ndarray, tier: np.ndarray) -> list[float]:
    """Mean days from each detected true spike's onset to the day it was first reported."""
    onsets = {(int(s), int(d)) for s, d in truth[:, :2]}
    delays: dict[int, list[int]] = {}
    for row, onset, _kind, _decided, detected in events:
        for start in (onset, onset - 1, onset + 1):
            if (int(row), int(start)) in onsets and start >= FIRST_DAY:
                delays.setdefault(int(tier[row]), []).append(int(detected - start))
                break
    return [float(np.mean(delays.get(k, [np.nan]))) for k in range(tier.max() + 1)]


def detection() -> None:
    counts = generate_counts()
    started = time.perf_counter()
    events = detect_events(counts.counts)
    seconds = time.perf_counter() - started
    provisional = events.spike_onsets | events.breakout_onsets  # what was reported the day after onset
    columns = [*TIER_NAMES, "all"]
    print(
        f"\nniche-count panel (benchmarks/_sparse_counts.py): {len(counts.counts):,} series × 365 days, "
        f"{int((counts.spikes[:, 1] >= FIRST_DAY).sum()):,} true spikes, {len(counts.blips):,} one-day blips, "
        f"{len(counts.shifts)} level shifts ({int((counts.shifts[:, 2] > 1).sum())} up); ours {seconds:.1f} s"
    )
    _table(
        "spike detection, precision / recall / F1 by volume tier",
        columns,
        {
            "ours (count model, final: breakouts told apart)": _by_tier(
                events.spike_onsets, counts.spikes, counts.tier
            ),
            "ours as first reported (breakouts still count as spikes)": _by_tier(
                provisional, counts.spikes, counts.tier
            ),
            "trailing 14-day z > 3": _by_tier(
                reference_onsets(trailing_zscore(counts.counts), 3.0), counts.spikes, counts.tier
            ),
            "Poisson tail, same-weekday mean of 4 weeks, p < 1e-4 two days": _by_tier(
                poisson_tail_reference(counts.counts), counts.spikes, counts.tier
            ),
        },
    )
    latency = _latency(events.events[events.events[:, 2] == SPIKE], counts.spikes, counts.tier)
    print(
        "latency of ours (days from a true onset to its report), by tier: "
        + ", ".join(f"{d:.2f}" for d in latency)
    )
    years = len(counts.counts) * (counts.counts.shape[1] - FIRST_DAY) / 365.0
    final = _by_tier(events.spike_onsets, counts.spikes, counts.tier)[-1]
    print(
        f"false spikes per topic-year (blips, shifts and noise together): {final.false_positives / years:.3f}"
    )
    ups = counts.shifts[counts.shifts[:, 2] > 1]
    _table(
        "breakouts (upward level shifts; onset within ±3 days), precision / recall / F1 by tier",
        columns,
        {
            "ours (decided 20 days after onset)": _by_tier(
                events.breakout_onsets, ups, counts.tier, tolerance=3
            )
        },
    )

    panel = generate_panel(2000, 365, seed=7)
    level = np.exp(np.log(panel.clean).mean(axis=1))
    tier = np.digitize(level, np.quantile(level, [1 / 3, 2 / 3]))
    replay = detect_events(panel.interest)
    cuts = np.quantile(level, [1 / 3, 2 / 3])
    _table(
        f"replay panel (trends.replay_data, continuous index: the robust-z path): {len(level):,} series × 365 days, "
        f"{int((panel.spikes[:, 1] >= FIRST_DAY).sum()):,} true spikes, {len(panel.blips):,} blips, no level shifts",
        [f"level < {cuts[0]:.0f}", f"{cuts[0]:.0f}–{cuts[1]:.0f}", f"> {cuts[1]:.0f}", "all"],
        {
            "ours": _by_tier(replay.spike_onsets, panel.spikes, tier),
            "trailing 14-day z > 3": _by_tier(
                reference_onsets(trailing_zscore(panel.interest), 3.0), panel.spikes, tier
            ),
            "Poisson tail reference": _by_tier(poisson_tail_reference(panel.interest), panel.spikes, tier),
        },
    )
    print(
        f"breakouts reported on the replay panel (it has no level shifts: all false): {int(replay.breakout_onsets.sum())}"
    )
    real_series()


def real_series() -> None:
    """Niño 1+2 monthly SST (statsmodels), events labelled by the rule in benchmarks/data/README.md."""
    import statsmodels.api as sm

    frame = sm.datasets.elnino.load_pandas().data
    values = frame.iloc[:, 1:].to_numpy(dtype=np.float64).ravel()[None, :]
    labels = np.loadtxt(
        DATA / "elnino_events.csv", delimiter=",", skiprows=1, usecols=(0, 1), dtype=int, ndmin=2
    )
    first_year = int(frame["YEAR"].iloc[0])
    truth = np.array([[0, (year - first_year) * 12 + month - 1] for year, month in labels[:, :2]])
    ours = detect_events(values, season=12)
    rows = {
        "ours (robust z, month-of-year profile)": ours.spike_onsets | ours.breakout_onsets,
        "trailing 14-month z > 3": reference_onsets(trailing_zscore(values), 3.0),
        "Poisson tail, same month of 4 previous years": poisson_tail_reference(values, season=12),
    }
    print(
        f"\nreal series: Niño 1+2 monthly sea-surface temperature 1950–2010 (statsmodels elnino), "
        f"{len(truth)} labelled El Niño onsets, matched within ±2 months"
    )
    for name, onsets in rows.items():
        s = score_detections(onsets, np.column_stack([truth, np.ones(len(truth))]), 36, tolerance=2)
        print(
            f"  {name:48s} P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}  ({s.true_positives} of {len(truth)})"
        )


def throughput() -> None:
    panel = generate_panel(10_000, 365, seed=3)
    values = panel.interest.astype(np.float64)
    started = time.perf_counter()
    bare = np.log1p(values)
    _ = (bare - bare.mean(axis=1, keepdims=True)) / bare.std(axis=1, keepdims=True)
    bare_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    signals = latest_signals(values, 3.5)
    forecast = forecast_topics(values, HORIZON)
    all_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nall signals (spike scores, onsets, lifecycle, viral, 14-day forecast) for 10,000 topics × 365 days:"
        f" {all_s:.2f} s wall, {cpu_s:.2f} s CPU (goal < 30 s); bare numpy pass (log1p + z over the array) {bare_s:.3f} s;"
        f" ratio ×{all_s / bare_s:.0f}; {int((signals.spike_onset >= 0).sum())} topics spiking,"
        f" {forecast.mean.shape[1]}-day forecasts"
    )


def sensor_tick() -> None:
    from dagster import DagsterInstance, build_sensor_context

    from marketing_engine.resources.brand import BrandResource
    from marketing_engine.resources.warehouse import WarehouseResource
    from marketing_engine.sensors.trend_spikes import trend_spike_sensor
    from marketing_engine.settings import EXAMPLE_BRAND
    from marketing_engine.warehouse import Warehouse, upsert
    from marketing_engine.warehouse.models import TrendOpportunity

    with tempfile.TemporaryDirectory() as folder:
        os.environ["MARKETING_ENGINE_HOME"] = folder
        url = f"sqlite:///{folder}/warehouse.sqlite"
        day = date(2026, 5, 4)
        rows = [
            {
                "brand": "kestrel-cycles",
                "as_of": day,
                "topic": f"topic {i}",
                "topic_key": f"topic-{i}",
                "rank": i + 1,
                "score": 1.0,
                "relevance": 0.5,
                "matched_seed": "cargo e-bike",
                "spike_score": 4.0 + i % 7,
                "spike_date": day,
                "lifecycle": "emerging",
                "confirmations": 3,
                "reason": "benchmark",
            }
            for i in range(10_000)
        ]
        with Warehouse(url).session() as session:
            upsert(session, TrendOpportunity, rows, keys=["brand", "as_of", "topic"])
        resources = {"brand": BrandResource(path=str(EXAMPLE_BRAND)), "warehouse": WarehouseResource(url=url)}
        instance = DagsterInstance.ephemeral()
        timings, cursor = [], None
        for _ in range(2):
            context = build_sensor_context(instance=instance, cursor=cursor, resources=resources)
            started = time.perf_counter()
            result = trend_spike_sensor(context)
            timings.append(time.perf_counter() - started)
            cursor = getattr(result, "cursor", None) or context.cursor
            if getattr(result, "dynamic_partitions_requests", None):
                instance.add_dynamic_partitions(
                    "topics", list(result.dynamic_partitions_requests[0].partition_keys)
                )
        print(
            f"\nsensor tick, 10,000 topics over threshold: first tick (10,000 run requests) {timings[0]:.2f} s,"
            f" next tick (nothing new) {timings[1]:.2f} s (goal < 2 s)"
        )


def main() -> None:
    warnings.filterwarnings("ignore")
    detection()
    forecasts()
    count_forecasts()
    throughput()
    sensor_tick()


if __name__ == "__main__":
    main()
