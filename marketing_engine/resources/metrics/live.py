"""Every configured real provider behind one interface: each measures what it can (X its posts,
Meta Facebook and Instagram, LinkedIn its shares, YouTube its videos, GA4 channel totals, Search
Console pages) and the answers are put together, each row saying which provider gave it (`source`,
the provider's name where it did not say). With no provider configured it measures nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from marketing_engine.resources.metrics.base import MetricsBackend, MetricsRequest


class LiveBackend:
    def __init__(self, providers: Sequence[MetricsBackend], names: Sequence[str] | None = None):
        self.providers = list(providers)
        self.names = list(names) if names is not None else [type(p).__name__ for p in self.providers]

    def _gather(self, ask: Callable[[MetricsBackend], list[dict]], method: str = "") -> list[dict]:
        return [
            {**row, "source": row.get("source") or name}
            for name, provider in zip(self.names, self.providers)
            if not method or hasattr(provider, method)
            for row in ask(provider)
        ]

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return self._gather(lambda p: p.journeys(request))

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return self._gather(lambda p: p.post_metrics(request, posts))

    def channel_totals(self, day: date) -> list[dict]:
        return self._gather(lambda p: p.channel_totals(day), "channel_totals")

    def page_metrics(self, day: date) -> list[dict]:
        return self._gather(lambda p: p.page_metrics(day), "page_metrics")
