"""Writes elnino_events.csv from statsmodels' Niño 1+2 series by the rule in README.md.

.venv/bin/python benchmarks/data/label_elnino.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import statsmodels.api as sm

MIN_ANOMALY = 1.0  # °C above the calendar month's 1950–2010 mean
MIN_MONTHS = 5


def label() -> list[tuple[int, int, int, float]]:
    frame = sm.datasets.elnino.load_pandas().data
    monthly = frame.iloc[:, 1:].to_numpy(dtype=np.float64)
    anomaly = (monthly - monthly.mean(axis=0)).ravel()
    years = np.repeat(frame["YEAR"].to_numpy(dtype=int), 12)
    months = np.tile(np.arange(1, 13), len(frame))
    events, start = [], None
    for i, warm in enumerate(np.append(anomaly >= MIN_ANOMALY, False)):
        if warm and start is None:
            start = i
        elif not warm and start is not None:
            if i - start >= MIN_MONTHS:
                events.append(
                    (int(years[start]), int(months[start]), i - start, float(anomaly[start:i].max()))
                )
            start = None
    return events


if __name__ == "__main__":
    path = Path(__file__).with_name("elnino_events.csv")
    rows = ["year,month,months_warm,peak_anomaly_c"] + [f"{y},{m},{n},{a:.2f}" for y, m, n, a in label()]
    path.write_text("\n".join(rows) + "\n")
    print(f"{path}: {len(rows) - 1} events")
