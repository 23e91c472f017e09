"""Predictors: how well will a post do, and what will a campaign bring in.

Both are scikit-learn gradient boosting on one-hot features, each scored by 5-fold cross-validated
mean absolute error against a naive baseline (the platform's or channel's mean), so the metadata
says honestly whether the model beats "just use the average". Intervals come from quantile
gradient boosting at 10% and 90%.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

CONTENT_FEATURES = ["platform", "hook", "topic", "weekday"]
CONTENT_NUMERIC = ["hour", "length"]
CAMPAIGN_FEATURES = ["channel", "campaign", "weekday"]
QUANTILES = (0.1, 0.5, 0.9)


class ForecastError(ValueError):
    """Too little data to train or score a predictor."""


@dataclass(frozen=True)
class PredictorScore:
    name: str
    n_rows: int
    cv_mae: float
    baseline_mae: float

    @property
    def improvement(self) -> float:
        return 1.0 - self.cv_mae / self.baseline_mae if self.baseline_mae else 0.0

    def figures(self) -> dict[str, float | int]:
        """The score as flat figures named after the predictor (`<name>_cv_mae`, `<name>_rows`, …)."""
        key = self.name.replace(" ", "_")
        return {
            f"{key}_cv_mae": round(self.cv_mae, 6),
            f"{key}_baseline_mae": round(self.baseline_mae, 6),
            f"{key}_improvement": round(self.improvement, 3),
            f"{key}_rows": self.n_rows,
        }


def _design(frame: pd.DataFrame, categorical: list[str], numeric: list[str]) -> pd.DataFrame:
    encoded = pd.get_dummies(frame[categorical].astype(str), dtype=float)
    hours = frame[numeric].astype(float) if numeric else pd.DataFrame(index=frame.index)
    return pd.concat([encoded, hours], axis=1)


def _cross_validate(
    x: pd.DataFrame, y: np.ndarray, groups: pd.Series, name: str, seed: int
) -> PredictorScore:
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import KFold

    errors, naive = [], []
    for train, test in KFold(5, shuffle=True, random_state=seed).split(x):
        model = GradientBoostingRegressor(
            n_estimators=100, max_depth=3, learning_rate=0.05, random_state=seed
        )
        model.fit(x.iloc[train], y[train])
        errors.append(np.abs(model.predict(x.iloc[test]) - y[test]).mean())
        means = pd.Series(y[train]).groupby(groups.iloc[train].to_numpy()).mean()
        guess = groups.iloc[test].map(means).fillna(y[train].mean()).to_numpy()
        naive.append(np.abs(guess - y[test]).mean())
    return PredictorScore(name, len(y), float(np.mean(errors)), float(np.mean(naive)))


def _quantile_models(x: pd.DataFrame, y: np.ndarray, seed: int, **params: Any) -> dict[float, Any]:
    """One gradient-boosting model per quantile: the median fit on squared error, the 10% and 90%
    bounds on quantile loss."""
    from sklearn.ensemble import GradientBoostingRegressor

    return {
        q: GradientBoostingRegressor(
            loss="quantile" if q != 0.5 else "squared_error",
            alpha=q,
            n_estimators=100,
            max_depth=3,
            random_state=seed,
            **params,
        ).fit(x, y)
        for q in QUANTILES
    }


def _with_interval(models: dict[float, Any], x: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidates with the median prediction and a low/high interval that always contains it."""
    out = candidates.copy()
    out["predicted"] = models[0.5].predict(x)
    out["low"] = np.minimum(models[0.1].predict(x), out["predicted"])
    out["high"] = np.maximum(models[0.9].predict(x), out["predicted"])
    return out


@dataclass
class ContentPredictor:
    """Engagement rate of a post from platform, hook, topic, weekday, hour and length."""

    seed: int = 0

    def fit(self, posts: pd.DataFrame) -> PredictorScore:
        if len(posts) < 30:
            raise ForecastError(
                f"the content predictor needs at least 30 posts with metrics, got {len(posts)}"
            )
        x = _design(posts, CONTENT_FEATURES, CONTENT_NUMERIC)
        y = posts["engagement_rate"].to_numpy(float)
        self.columns = list(x.columns)
        score = _cross_validate(x, y, posts["platform"], "content engagement rate", self.seed)
        self.models = _quantile_models(x, y, self.seed, learning_rate=0.05)
        return score

    def predict(self, candidates: pd.DataFrame) -> pd.DataFrame:
        x = _design(candidates, CONTENT_FEATURES, CONTENT_NUMERIC).reindex(
            columns=self.columns, fill_value=0.0
        )
        return _with_interval(self.models, x, candidates)


@dataclass
class CampaignPredictor:
    """Revenue of a campaign-day (channel × campaign) from channel, campaign, weekday and spend; its
    rows come from `analytics.spend.campaign_days` (recorded spend joined with credited revenue)."""

    seed: int = 0

    def fit(self, days: pd.DataFrame) -> PredictorScore:
        if len(days) < 20:
            raise ForecastError(f"the campaign predictor needs at least 20 campaign-days, got {len(days)}")
        x = _design(days, CAMPAIGN_FEATURES, ["spend"])
        y = days["revenue"].to_numpy(float)
        self.columns = list(x.columns)
        groups = days["channel"] + "|" + days["campaign"]
        score = _cross_validate(x, y, groups, "campaign revenue per day", self.seed)
        self.models = _quantile_models(x, y, self.seed)
        return score

    def predict(self, candidates: pd.DataFrame) -> pd.DataFrame:
        x = _design(candidates, CAMPAIGN_FEATURES, ["spend"]).reindex(
            columns=self.columns, fill_value=0.0
        )
        out = _with_interval(self.models, x, candidates)
        out["roi"] = out["predicted"] / out["spend"]
        return out
