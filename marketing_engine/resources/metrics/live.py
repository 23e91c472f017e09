"""Every configured real provider behind one interface: each measures what it can (X its posts,
Meta Facebook and Instagram, LinkedIn its shares, YouTube its videos, GA4 channel totals, Search
Console pages) and the answers are put together, each row saying which provider gave it (`source`,
the provider's name where it did not say). With no provider configured it measures nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from marketing_engine.resources.metrics.base import MetricsBackend, MetricsRequest
from marketing_engine.resources.retry import ProviderError


class LiveBackend:
    def __init__(self, providers: Sequence[MetricsBackend], names: Sequence[str] | None = None):
        self.providers = list(providers)
        self.names = list(names) if names is not None else [type(p).__name__ for p in self.providers]
        self.failures: dict[str, str] = {}  # provider -> why it failed, once its retries are spent

    def _gather(self, ask: Callable[[MetricsBackend], list[dict]], method: str = "") -> list[dict]:
        """Every provider's rows; one that fails is named in `failures` and the others still count
        (one platform's outage costs only its own rows: `raise_failures` after they are stored)."""
        rows: list[dict] = []
        for name, provider in zip(self.names, self.providers):
            if method and not hasattr(provider, method):
                continue
            try:
                answered = ask(provider)
            except ProviderError as exc:
                self.failures[name] = str(exc)[:300]
                continue
            rows += [{**row, "source": row.get("source") or name} for row in answered]
        return rows

    def raise_failures(self) -> None:
        """After the answers are stored: the providers that failed, in one retryable ProviderError."""
        if self.failures:
            failed = "; ".join(why for _, why in sorted(self.failures.items()))  # each names its provider
            raise ProviderError(
                "metrics", f"providers failed (the others' rows are stored): {failed}", None, True
            )

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return self._gather(lambda p: p.journeys(request))

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return self._gather(lambda p: p.post_metrics(request, posts))

    def channel_totals(self, day: date) -> list[dict]:
        return self._gather(lambda p: p.channel_totals(day), "channel_totals")

    def page_metrics(self, day: date) -> list[dict]:
        return self._gather(lambda p: p.page_metrics(day), "page_metrics")
