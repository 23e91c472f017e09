"""Trend sources: one module per platform plus the shared interface in `base.py`."""

from marketing_engine.resources.trend_sources.base import (
    InjectedSpikeConfig,
    TrendSource,
    TrendSourcesResource,
)

__all__ = ["InjectedSpikeConfig", "TrendSource", "TrendSourcesResource"]
