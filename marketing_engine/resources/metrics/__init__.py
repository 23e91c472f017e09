"""Metrics providers: one file per provider behind the interface in `base.py`; the simulator is
the offline backend."""

from marketing_engine.resources.metrics.base import MetricsResource

__all__ = ["MetricsResource"]
