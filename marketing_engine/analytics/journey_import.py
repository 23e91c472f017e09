"""Customer journeys from an analytics export: one touch per row in, one journey per visitor out.

The touch format (CSV or Parquet, documented in docs/journeys.md) has a row per marketing touch
or conversion: `user_id`, `timestamp` (ISO 8601; no offset means UTC), `channel`, and optionally
`campaign`, `conversion` (1/true on a conversion row), `revenue`, `currency` and `product`.
GA4's BigQuery export is read into the same touches (`analytics.ga4_export`).

A visitor's touches, in time order, make journeys: a journey ends at a conversion (the conversion
row's channel, when set, is its last touch) or before a gap of more than `lookback_days` without
touches. A conversion credits only the touches of the `lookback_days` before it; older touches of
the same run stay an unconverted journey of their own. A journey is keyed by its source, visitor
and first touch, so importing the same file again (or a longer one) rewrites the same rows.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from marketing_engine.analytics.simulator import DIRECT

REQUIRED = ("user_id", "timestamp", "channel")
OPTIONAL = ("campaign", "conversion", "revenue", "currency", "product")
LOOKBACK_DAYS = 30
_CHANNEL = re.compile(r"^[a-z0-9_]{1,30}$")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


class JourneyImportError(ValueError):
    """A touch file (or export) that cannot be read as journeys: named with its row and column."""


@dataclass(frozen=True)
class Touch:
    user_id: str
    at: datetime  # aware, UTC
    channel: str  # "" on a conversion row that adds no touch of its own
    conversion: bool = False
    revenue: float = 0.0
    currency: str = ""
    product: str = ""
    campaign: str = ""


def channel_name(value: object, where: str) -> str:
    """A channel as the engine names it: lower case, words joined by `_`, at most 30 characters."""
    name = re.sub(r"[\s\-/]+", "_", str(value or "").strip().lower())
    if name and not _CHANNEL.match(name):
        raise JourneyImportError(
            f"{where}, column 'channel': {value!r} is not a channel name (letters, digits and _, "
            "at most 30 characters, e.g. email, organic_search, google_ads)"
        )
    return name


def _timestamp(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise JourneyImportError(
                f"{where}, column 'timestamp': {text!r} is not an ISO 8601 time such as 2026-11-02T14:05:00Z"
            ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _flag(value: object, where: str) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise JourneyImportError(f"{where}, column 'conversion': {value!r} is not 1/0 or true/false")


def _amount(value: object, where: str) -> float:
    text = "" if value is None else str(value).strip()
    try:
        amount = float(text) if text else 0.0
    except ValueError:
        raise JourneyImportError(f"{where}, column 'revenue': {value!r} is not a number") from None
    if not math.isfinite(amount) or amount < 0:
        raise JourneyImportError(f"{where}, column 'revenue': {value!r} must be a number >= 0")
    return amount


def touch_from_row(row: dict, where: str, currency: str | None = None) -> Touch:
    """One row of the touch format as a `Touch`; `where` names it in errors ("file.csv, row 3").
    `currency`: the brand's, which every revenue must be in (no exchange rates are guessed)."""
    user = str(row.get("user_id") or "").strip()
    if not user:
        raise JourneyImportError(f"{where}, column 'user_id': empty")
    conversion = _flag(row.get("conversion"), where)
    channel = channel_name(row.get("channel"), where)
    if not channel and not conversion:
        raise JourneyImportError(
            f"{where}, column 'channel': empty on a touch (only a conversion may omit it)"
        )
    revenue = _amount(row.get("revenue"), where)
    if revenue and not conversion:
        raise JourneyImportError(f"{where}, column 'revenue': {revenue} on a row that is not a conversion")
    code = str(row.get("currency") or "").strip().upper()
    if revenue and currency and code and code != currency.upper():
        raise JourneyImportError(
            f"{where}, column 'currency': {code} but the brand's revenue is in {currency.upper()} "
            "(convert before importing)"
        )
    return Touch(
        user,
        _timestamp(row.get("timestamp"), where),
        channel,
        conversion,
        revenue,
        code,
        str(row.get("product") or "").strip()[:200],
        str(row.get("campaign") or "").strip(),
    )


def read_rows(
    path: str | Path, required: Sequence[str], error: type[ValueError], what: str
) -> list[tuple[str, dict]]:
    """The rows of a CSV (.csv) or Parquet (.parquet) file, each with where it is ("touches.csv,
    line 3": CSV lines count the header as line 1; Parquet rows count from 1); a missing file,
    another format or a missing column is an `error` naming the file."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such {what}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise error(f"{path}: a {what} is .csv or .parquet, not {suffix or 'no suffix'!r}")
    try:
        if suffix == ".csv":
            frame, first, kind = pd.read_csv(path, dtype=str, keep_default_na=False), 2, "line"
        else:
            frame, first, kind = pd.read_parquet(path), 1, "row"
    except (ValueError, OSError) as exc:  # ragged CSV rows, not UTF-8, not Parquet (all ValueErrors)
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise error(f"{path}: not a readable {suffix[1:]} {what}: {reason}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise error(
            f"{path}: missing column(s) {', '.join(missing)} (has {', '.join(map(str, frame.columns))})"
        )
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [(f"{path.name}, {kind} {first + i}", record) for i, record in enumerate(records)]


def read_touches(path: str | Path, currency: str | None = None) -> list[Touch]:
    """The touches of a CSV (.csv) or Parquet (.parquet) file in the touch format."""
    return [
        touch_from_row(row, where, currency)
        for where, row in read_rows(path, REQUIRED, JourneyImportError, "touch file")
    ]


def _key(source: str, user: str, start: datetime) -> str:
    digest = hashlib.sha256(f"{source}|{user}|{start.isoformat()}".encode()).hexdigest()
    return f"{source[:20]}:{digest[:40]}"


def _journey(source: str, touches: Sequence[Touch], end: Touch | None) -> dict:
    """A journey row (without the brand) from its touches in order, ending at `end` (a conversion)."""
    steps = [t for t in touches if t.channel]
    finish = end.at if end else touches[-1].at
    channels = [t.channel for t in steps] or [DIRECT]
    days_before = [round((finish - t.at).total_seconds() / 86400, 4) for t in steps] or [0.0]
    return {
        "day": finish.date(),
        "journey_key": _key(source, touches[0].user_id, touches[0].at),
        "channels": channels,
        "days_before": days_before,
        "converted": end is not None,
        "revenue": round(end.revenue, 2) if end else 0.0,
        "product": end.product if end else "",
        "source": source,
    }


def _visitor_journeys(touches: list[Touch], source: str, window: timedelta) -> Iterable[dict]:
    run: list[Touch] = []
    for touch in touches:
        if run and touch.at - run[-1].at > window:
            yield _journey(source, run, None)
            run = []
        run.append(touch)
        if touch.conversion:
            stale = [t for t in run if touch.at - t.at > window]
            if stale:
                yield _journey(source, stale, None)
            yield _journey(source, run[len(stale) :], touch)
            run = []
    if run:
        yield _journey(source, run, None)


def build_journeys(touches: Iterable[Touch], source: str, lookback_days: int = LOOKBACK_DAYS) -> list[dict]:
    """Journeys (the `customer_journeys` columns but the brand) from touches of any order."""
    if lookback_days <= 0:
        raise JourneyImportError(f"lookback_days must be positive, got {lookback_days}")
    by_user: dict[str, list[Touch]] = defaultdict(list)
    for touch in touches:
        by_user[touch.user_id].append(touch)
    window = timedelta(days=lookback_days)
    journeys = []
    for user in sorted(by_user):
        ordered = sorted(by_user[user], key=lambda t: (t.at, t.conversion))  # a touch before its sale
        journeys.extend(_visitor_journeys(ordered, source, window))
    return journeys


def journeys_ending(journeys: Iterable[dict], first: date, last: date) -> list[dict]:
    """The journeys that ended between `first` and `last` (inclusive)."""
    return [j for j in journeys if first <= j["day"] <= last]


@dataclass(frozen=True)
class ImportSummary:
    journeys: int
    conversions: int
    revenue: float
    touches: int
    first_day: date | None
    last_day: date | None


def store_journeys(
    warehouse, brand: str, journeys: list[dict], window: tuple[str, date] | None = None
) -> ImportSummary:
    """Write imported journeys (and their per-channel daily metrics) for the brand: a journey a
    later import extends replaces its earlier row, so nothing is stored twice. `window` (source,
    first day): the journeys were read from an export window, and replace that source's journeys
    that ended in it (a journey that began before the window keeps only its touches inside it)."""
    from marketing_engine.analytics import store
    from marketing_engine.analytics.touchpoints import channel_metric_rows

    rows = [{"brand": brand, **j} for j in journeys]
    by_day: dict[date, list[dict]] = defaultdict(list)
    for journey in journeys:
        by_day[journey["day"]].append(journey)
    metrics = [m for day, group in sorted(by_day.items()) for m in channel_metric_rows(group, brand, day)]
    store.replace_journeys(warehouse, brand, rows, metrics, window)
    return ImportSummary(
        len(rows),
        sum(j["converted"] for j in journeys),
        round(sum(j["revenue"] for j in journeys), 2),
        sum(len(j["channels"]) for j in journeys),
        min(by_day, default=None),
        max(by_day, default=None),
    )
