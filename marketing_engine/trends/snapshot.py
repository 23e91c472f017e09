"""Ask every source for one day; one failing source never stops the others."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from marketing_engine.trends.readings import FetchRequest, TrendReading


class _Source(Protocol):
    def fetch(self, request: FetchRequest) -> list[TrendReading]: ...


@dataclass
class SourceOutcome:
    source: str
    status: str  # answered | failed | not_configured
    readings: list[TrendReading] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def payload(self) -> dict[str, Any]:
        """The raw answer, per topic, kept in the media store beside the normalized rows."""
        return {r.topic: r.raw for r in self.readings}


def collect_snapshot(sources: Mapping[str, _Source | None], request: FetchRequest) -> list[SourceOutcome]:
    outcomes = []
    for name, source in sources.items():
        if source is None:
            outcomes.append(
                SourceOutcome(
                    name, "not_configured", error="no credentials configured (or no live client for it)"
                )
            )
            continue
        started = time.perf_counter()
        try:
            readings = source.fetch(request)
        except Exception as exc:  # noqa: BLE001 - any provider failure is recorded, the others still run
            outcomes.append(
                SourceOutcome(
                    name,
                    "failed",
                    error=f"{type(exc).__name__}: {exc}"[:500],
                    seconds=time.perf_counter() - started,
                )
            )
            continue
        outcomes.append(SourceOutcome(name, "answered", readings, seconds=time.perf_counter() - started))
    return outcomes
