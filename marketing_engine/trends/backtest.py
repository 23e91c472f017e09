"""Scoring helpers for the trend backtests: spike detection against ground truth, forecast MASE."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DetectionScore:
    true_positives: int
    false_positives: int
    false_negatives: int
    mean_delay_days: float

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_detections(
    detected_onsets: np.ndarray, spikes: np.ndarray, first_day: int, tolerance: int = 1
) -> DetectionScore:
    """Match detected onsets to true spike onsets within ±`tolerance` days, each truth at most once.

    `detected_onsets` is a boolean (topics × days) array (True = "a spike starts here", reported at
    most `tolerance` days later); `spikes` rows are (topic, onset_day, …). Only days ≥ `first_day`
    count (the detectors need that much history). Anything detected off a true onset — a blip, a
    weekend, a trend — is a false positive.
    """
    truth = spikes[spikes[:, 1] >= first_day][:, :2].astype(int)
    hits = np.argwhere(detected_onsets[:, first_day:]) + np.array([0, first_day])
    matched_truth = 0
    used = np.zeros(len(hits), dtype=bool)
    delays = []
    by_topic: dict[int, list[int]] = {}
    for index, (topic, _day) in enumerate(hits):
        by_topic.setdefault(int(topic), []).append(index)
    for topic, onset in truth:
        for index in by_topic.get(int(topic), []):
            if not used[index] and abs(hits[index, 1] - onset) <= tolerance:
                used[index] = True
                matched_truth += 1
                delays.append(max(0, hits[index, 1] - onset))
                break
    return DetectionScore(
        true_positives=matched_truth,
        false_positives=int((~used).sum()),
        false_negatives=len(truth) - matched_truth,
        mean_delay_days=float(np.mean(delays)) if delays else float("nan"),
    )


def reference_onsets(z: np.ndarray, threshold: float = 3.0) -> np.ndarray:
    """The reference detector's events: the first day of each run of z over the threshold."""
    over = np.nan_to_num(z, nan=-np.inf) > threshold
    return over & ~np.concatenate([np.zeros_like(over[:, :1]), over[:, :-1]], axis=1)


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray, season: int = 7) -> np.ndarray:
    """Mean absolute scaled error per series: forecast error over the in-sample seasonal-naive error."""
    scale = np.mean(np.abs(history[:, season:] - history[:, :-season]), axis=1)
    return np.mean(np.abs(actual - forecast), axis=1) / np.maximum(scale, 1e-9)
