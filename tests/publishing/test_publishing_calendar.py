"""Calendar slots: time zones and DST, fractional cadence, quotas, learned times, arcs, .ics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from marketing_engine.brand import BrandProfile, PostingWindow
from marketing_engine.publishing.calendar import (
    BrandWindows,
    LearnedTimes,
    Slot,
    candidates_for,
    learned_scores,
    local_to_utc,
    plan,
    platform_slots,
    write_ics,
)
from marketing_engine.publishing.platforms import Draft

LA = ZoneInfo("America/Los_Angeles")


def _brand(example_brand: BrandProfile, **channel) -> BrandProfile:
    data = example_brand.model_dump(mode="json")
    data["channels"]["linkedin"].update(channel)
    return BrandProfile.model_validate(data)


def test_nonexistent_wall_time_is_skipped_and_repeated_time_resolves_once() -> None:
    assert local_to_utc(datetime(2027, 3, 14, 2, 30), LA) is None  # clocks jump 02:00 → 03:00
    assert local_to_utc(datetime(2027, 11, 7, 1, 30), LA) == datetime(
        2027, 11, 7, 8, 30, tzinfo=UTC
    )  # first 01:30
    assert local_to_utc(datetime(2027, 3, 13, 8, 0), LA) == datetime(2027, 3, 13, 16, 0, tzinfo=UTC)  # PST
    assert local_to_utc(datetime(2027, 3, 15, 8, 0), LA) == datetime(2027, 3, 15, 15, 0, tzinfo=UTC)  # PDT


def _around_the_spring_change(example_brand: BrandProfile, start: str, end: str) -> list[Slot]:
    """LinkedIn's slots from Saturday 13 to Monday 15 March 2027 (clocks jump on the Sunday), one post
    a day in one window from `start` to `end`."""
    window = {"days": ["sat", "sun", "mon"], "start": start, "end": end}
    brand = _brand(example_brand, posts_per_day=1, posting_windows=[window])
    return platform_slots(brand, "linkedin", date(2027, 3, 13), 3, BrandWindows())


def test_slots_keep_local_time_across_the_dst_change(example_brand: BrandProfile) -> None:
    slots = _around_the_spring_change(example_brand, "08:00", "08:15")
    assert [s.local.time() for s in slots] == [time(8, 0)] * 3
    assert [s.at.hour for s in slots] == [16, 15, 15]  # the UTC hour moves, the local hour does not


def test_a_window_inside_the_spring_gap_yields_no_slot_that_day(example_brand: BrandProfile) -> None:
    slots = _around_the_spring_change(example_brand, "02:00", "03:00")
    assert [s.local.date() for s in slots] == [date(2027, 3, 13), date(2027, 3, 15)]


def test_fractional_cadence_and_even_spread(example_brand: BrandProfile) -> None:
    half = _brand(example_brand, posts_per_day=0.5)
    slots = platform_slots(half, "linkedin", date(2027, 1, 4), 10, BrandWindows())
    # every other day (offsets 1, 3, 5, 7, 9), and only where a tue-thu window exists
    assert [s.local.day for s in slots] == [5, 7, 13]
    three = platform_slots(example_brand, "x", date(2027, 1, 4), 1, BrandWindows())  # brand windows, Monday
    assert [s.local.time() for s in three] == [time(7, 45), time(8, 45), time(12, 30)]


def test_quota_caps_posts_in_any_24_hours(example_brand: BrandProfile) -> None:
    data = example_brand.model_dump(mode="json")
    data["channels"]["tiktok"]["posts_per_day"] = 20  # the registry allows 15 TikTok posts per 24 h
    data["channels"]["tiktok"]["posting_windows"] = [
        {"days": ["mon", "tue", "wed"], "start": "07:00", "end": "23:00"}
    ]
    brand = BrandProfile.model_validate(data)
    slots = platform_slots(brand, "tiktok", date(2027, 1, 4), 3, BrandWindows())
    assert sum(s.local.day == 4 for s in slots) == 15 and len(slots) < 60
    for slot in slots:
        assert sum(1 for s in slots if slot.at - timedelta(hours=24) < s.at <= slot.at) <= 15


def test_learned_times_pick_the_best_hours() -> None:
    rows = [
        {"platform": "x", "dimension": "posting_time", "finding_key": "mon 12", "effect": 0.4},
        {"platform": "x", "dimension": "posting_time", "finding_key": "mon 08:00", "effect": 0.1},
        {"platform": "x", "dimension": "hook", "finding_key": "question", "effect": 0.9},
    ]
    scores = learned_scores(rows)
    assert scores == {"x": {("mon", 12): 0.4, ("mon", 8): 0.1}}
    day = date(2027, 1, 4)
    windows = [PostingWindow(days=["mon"], start=time(7, 0), end=time(13, 0))]
    chosen = LearnedTimes(scores).choose("x", day, candidates_for(day, windows), 2)
    assert [c.hour for c in chosen] == [8, 12]
    assert (
        len(LearnedTimes(scores).choose("linkedin", day, candidates_for(day, windows), 2)) == 2
    )  # falls back


def _draft(ref: str, platform: str, step: str) -> Draft:
    return Draft(
        platform=platform, content_ref=ref, variant=step, fields={"text": f"{ref} {step}"}, arc_step=step
    )


def test_arcs_put_hook_before_nurture_before_convert() -> None:
    base = datetime(2027, 1, 4, 16, tzinfo=UTC)
    slots = {"x": [Slot("x", base + timedelta(hours=6 * i), base) for i in range(12)]}
    drafts = [_draft(ref, "x", step) for ref in ("a", "b") for step in ("convert", "nurture", "hook")]
    planned = {(p.draft.content_ref, p.draft.arc_step): p.scheduled_at for p in plan(drafts, slots)}
    for ref in ("a", "b"):
        assert planned[(ref, "hook")] < planned[(ref, "nurture")] - timedelta(hours=11)
        assert planned[(ref, "nurture")] < planned[(ref, "convert")]
    assert planned[("a", "hook")] == base and planned[("b", "hook")] == base + timedelta(hours=6)
    few = plan(drafts, {"x": slots["x"][:2]})
    assert sum(p.scheduled_at is None for p in few) == 4  # no free slot: the backlog


def test_ics_export_is_a_calendar_a_marketer_can_subscribe_to(tmp_path: Path) -> None:
    at = datetime(2027, 1, 4, 16, tzinfo=UTC)
    events = [
        {
            "idempotency_key": "k1",
            "scheduled_at": at,
            "platform": "x",
            "arc_step": "hook",
            "body": "Hello riders",
            "link_url": "https://a.example/?utm_source=x",
            "state": "scheduled",
        }
    ]
    path = tmp_path / "brand.ics"
    assert write_ics(path, "Kestrel", "kestrel.example", events) == 1
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert str(event["uid"]) == "k1@kestrel.example" and event.decoded("dtstart") == at
    assert "[x] hook" in str(event["summary"]) and str(event["status"]) == "CONFIRMED"


def test_bandit_shares_from_analytics_replace_the_brand_windows(example_brand: BrandProfile) -> None:
    from marketing_engine.publishing.calendar import bandit_scores

    rows = [
        {"platform": "linkedin", "dimension": "posting_time", "arm": "18:00-21:00", "share": 0.7},
        {"platform": "linkedin", "dimension": "posting_time", "arm": "09:00-12:00", "share": 0.3},
        {"platform": "linkedin", "dimension": "hook", "arm": "question", "share": 0.9},
    ]
    scores = bandit_scores(rows)
    assert scores["linkedin"][("mon", 19)] == 0.7 and scores["linkedin"][("sun", 9)] == 0.3
    slots = platform_slots(example_brand, "linkedin", date(2027, 1, 4), 7, LearnedTimes(scores))
    assert len(slots) == 7 and all(18 <= s.local.hour < 21 for s in slots)  # any day, the learned hours
    plain = platform_slots(example_brand, "linkedin", date(2027, 1, 4), 7, BrandWindows())
    assert all(8 <= s.local.hour < 10 for s in plain) and len(plain) == 3  # tue-thu 08:00-10:00
