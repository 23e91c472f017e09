"""What every trend source returns: normalized readings for one day, whatever the platform."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# The platforms a trend source can be; the replay panel keeps one series per platform in this order.
SOURCES = ("google_trends", "x", "reddit", "youtube", "news", "tiktok")


class TrendSourceError(RuntimeError):
    """A source could not answer for a day; the message names the source and the reason."""

    def __init__(self, source: str, message: str):
        self.source = source
        super().__init__(f"{source}: {message}")


@dataclass(frozen=True)
class FetchRequest:
    """What to ask a source for: the day, the topics, and the brand's places to look.

    `related` are more of the brand's own words (its products, its top keywords) that a source may
    watch beside the topics (the offline replay does; live sources ask only about `topics`).
    `language` is the audience's language code, for anything a source writes or filters by."""

    day: date
    topics: tuple[str, ...]
    regions: tuple[str, ...] = ("US",)
    communities: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    language: str = "en"


@dataclass(frozen=True)
class TrendReading:
    """One normalized reading: `interest` is a 0–100-like index comparable across days of one
    source; `volume` the platform's own count (posts, tweets, views, articles); `velocity` the
    day-over-day relative change of interest where the source knows yesterday."""

    day: date
    source: str
    topic: str
    interest: float
    volume: float | None = None
    velocity: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    provenance: str = "api"  # `simulator` for the offline replay (marketing_engine.provenance)

    def row(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("raw")
        return values
