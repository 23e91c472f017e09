"""Scale ladder, trends: every trend signal (spike scores, onsets, lifecycle, viral coefficient and
the 14-day forecast) over topics × 365 days, at the trends benchmark's 10,000 topics and at 100,000
(issue 13's target). Topics are independent rows, so the work grows with the rows.
"""

from __future__ import annotations

import numpy as np

from benchmarks._ladder import Case

DAYS = 365
HORIZON = 14
CHUNK = 10_000  # the panel is generated in slices so that building 100,000 topics stays small


def _panel(size: int) -> np.ndarray:
    from marketing_engine.trends.replay_data import generate_panel

    values = np.empty((size, DAYS), dtype=np.float64)
    for number, start in enumerate(range(0, size, CHUNK)):
        rows = min(CHUNK, size - start)
        values[start : start + rows] = generate_panel(rows, DAYS, seed=3 + number).interest
    return values


def _signals(values: np.ndarray) -> dict:
    from marketing_engine.trends.forecast import forecast_topics
    from marketing_engine.trends.signals import latest_signals

    signals = latest_signals(values, 3.5)
    forecast = forecast_topics(values, HORIZON)
    return {
        "spiking": int((signals.spike_onset >= 0).sum()),
        "forecast_days": int(forecast.mean.shape[1]),
    }


CASES = [Case("trend signals + 14-day forecast, 365 days each", "topics", 10_000, _panel, _signals)]
