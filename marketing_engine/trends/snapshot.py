"""Ask every source for one day; one failing source never stops the others.

What to ask comes from the brand file (its topics, places and language) and from its keyword
universe (`related_topics`); what came back becomes warehouse rows (`snapshot_rows`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from marketing_engine.brand import slug as slugify
from marketing_engine.trends.readings import FetchRequest, TrendReading

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile

RELATED_KEYWORDS = 20  # the brand's top keywords (by volume) the replay watches beside its topics


class NoSourceAnswered(RuntimeError):
    """Every trend source failed or is unconfigured for a day; the message names each one's reason."""


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


def related_topics(
    profile: BrandProfile, keywords: Sequence[str], limit: int = RELATED_KEYWORDS
) -> tuple[str, ...]:
    """The brand's products, then its keywords (highest volume first) that are about one of its own
    topics or products (a keyword about a competitor, "alternatives to X", is not one of the brand's
    own trend topics)."""
    products = [product.name for product in profile.products]
    own = [slugify(text) for text in (*profile.seed_topics, *products)]
    about_own = [keyword for keyword in keywords if any(mine in slugify(keyword) for mine in own)]
    return tuple(dict.fromkeys([*products, *about_own[:limit]]))


def fetch_request(profile: BrandProfile, day: date, related: tuple[str, ...] = ()) -> FetchRequest:
    """What every source is asked for on `day`: the brand's topics, regions, communities and feeds."""
    reddit = profile.channels.get("reddit")
    return FetchRequest(
        day=day,
        topics=tuple(profile.seed_topics),
        regions=tuple(profile.trends.regions),
        communities=tuple(reddit.communities) if reddit else (),
        feeds=tuple(profile.trends.feeds),
        related=related,
        language=profile.language,
    )


def snapshot_rows(
    brand: str, day: date, outcomes: Sequence[SourceOutcome], keep_payload: Callable[[bytes], str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The day's `trend_data` rows and one `trend_source_status` row per source. `keep_payload` stores
    a source's raw answer (JSON) and returns its key, which both kinds of row keep.
    Raises NoSourceAnswered when no source answered: a day without readings is not a snapshot —
    unless none is configured, which is no data (each source's status says "not_configured")."""
    configured = [o for o in outcomes if o.status != "not_configured"]
    if configured and not any(outcome.status == "answered" for outcome in outcomes):
        raise NoSourceAnswered(
            f"no trend source answered for {day}: " + "; ".join(f"{o.source}: {o.error}" for o in outcomes)
        )
    readings, statuses = [], []
    for outcome in outcomes:
        key = None
        if outcome.readings:
            key = keep_payload(json.dumps(outcome.payload(), sort_keys=True, default=str).encode())
            readings += [{**r.row(), "brand": brand, "payload_key": key} for r in outcome.readings]
        statuses.append(
            {
                "brand": brand,
                "day": day,
                "source": outcome.source,
                "status": outcome.status,
                "readings": len(outcome.readings),
                "error": outcome.error,
                "payload_key": key,
            }
        )
    return readings, statuses
