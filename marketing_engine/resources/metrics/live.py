"""Every configured real provider behind one interface: each measures what it can (X its posts,
Meta Facebook and Instagram, LinkedIn its shares, YouTube its videos, GA4 channel totals, Search
Console pages) and the answers are put together."""

from __future__ import annotations

from datetime import date

from marketing_engine.resources.metrics.base import MetricsBackend, MetricsRequest


class LiveBackend:
    def __init__(self, providers: list[MetricsBackend]):
        self.providers = providers

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return [journey for provider in self.providers for journey in provider.journeys(request)]

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return [row for provider in self.providers for row in provider.post_metrics(request, posts)]

    def channel_totals(self, day: date) -> list[dict]:
        return [row for p in self.providers if hasattr(p, "channel_totals") for row in p.channel_totals(day)]

    def page_metrics(self, day: date) -> list[dict]:
        return [row for p in self.providers if hasattr(p, "page_metrics") for row in p.page_metrics(day)]
