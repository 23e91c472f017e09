"""The .ics calendar carries real instants: every DTSTART is aware (UTC, `Z`) and is the post's
scheduled time, whether the warehouse hands datetimes back naive (SQLite) or aware (PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, materialize
from icalendar import Calendar
from sqlalchemy import select

from marketing_engine.assets.brand import brand_profile, campaigns
from marketing_engine.assets.publishing import content_calendar, social_copy
from marketing_engine.brand import BrandProfile
from marketing_engine.publishing.calendar import DAYS, DEFAULT_WINDOWS, write_ics
from marketing_engine.warehouse.models import SocialPost


def _event(key: str, at: datetime) -> dict[str, object]:
    return {
        "idempotency_key": key,
        "scheduled_at": at,
        "platform": "x",
        "arc_step": "hook",
        "body": "Hello",
        "link_url": None,
        "state": "scheduled",
    }


def test_aware_inputs_in_any_zone_become_the_same_utc_instant(tmp_path: Path) -> None:
    instant = datetime(2026, 11, 30, 15, 45, tzinfo=UTC)  # 07:45 in Los Angeles
    events = [
        _event("utc", instant),  # what the warehouse returns (UTCDateTime), on SQLite and PostgreSQL
        _event("offset", instant.astimezone(timezone(timedelta(hours=-8)))),
    ]
    path = tmp_path / "c.ics"
    assert write_ics(path, "Brand", "brand.example", events, "America/Los_Angeles") == 2
    raw = path.read_text()
    assert raw.count("DTSTART:20261130T154500Z") == 2 and "DTSTART:20261130T154500\r" not in raw
    for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and start == instant
        assert event.decoded("dtend") - start == timedelta(minutes=15)
        assert "audience time: 2026-11-30 07:45 America/Los_Angeles" in str(event["description"])


def test_a_missing_or_zoneless_time_is_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'k9'.*not a datetime"):
        write_ics(tmp_path / "c.ics", "Brand", "brand.example", [_event("k9", None)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'k8'.*not a datetime with a zone"):
        write_ics(
            tmp_path / "c.ics", "Brand", "brand.example", [_event("k8", datetime(2026, 11, 30, 15, 45))]
        )


def test_calendar_asset_writes_each_posts_scheduled_instant(
    publishing_resources: dict, engine_home: Path, example_brand: BrandProfile
) -> None:
    """On SQLite and PostgreSQL: DTSTART is aware, equals scheduled_at, and falls inside the brand's
    posting window in the audience's zone (a floating UTC time would sit hours outside it)."""
    result = materialize(
        [brand_profile, campaigns, social_copy, content_calendar],
        resources=publishing_resources,
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    with publishing_resources["warehouse"].get().session() as session:
        scheduled = {
            p.idempotency_key: (p.platform, p.scheduled_at)
            for p in session.scalars(select(SocialPost).where(SocialPost.scheduled_at.is_not(None)))
        }
    path = engine_home / "calendar" / "kestrel-cycles.ics"
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == len(scheduled) >= 20
    zone = ZoneInfo(example_brand.audience.timezone)
    for event in events:
        key = str(event["uid"]).split("@")[0]
        platform, stored = scheduled[key]
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
        stored_utc = stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored  # SQLite: naive UTC
        assert start == stored_utc
        assert event["dtstart"].to_ical().decode().endswith("Z")
        local = start.astimezone(zone)
        windows = example_brand.windows_for(platform) or list(DEFAULT_WINDOWS)
        assert any(DAYS[local.weekday()] in w.days and w.start <= local.time() < w.end for w in windows), (
            f"{platform} post at {local:%a %H:%M} {zone} is outside the brand's windows"
        )
