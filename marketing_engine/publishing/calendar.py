"""The content calendar: posting slots per platform from the brand's windows (time-zone aware and
DST-safe), quotas, a cadence optimizer that picks the best times in a day, and the arcs that put
each piece of content's hook before its nurture before its convert post.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from marketing_engine.brand import BrandProfile, PostingWindow
from marketing_engine.publishing.copy import ARC_STEPS
from marketing_engine.publishing.platforms import Draft, platform

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GRID = timedelta(minutes=15)
HORIZON_DAYS = 14  # how far ahead a calendar run plans
DEFAULT_WINDOWS = (PostingWindow(days=list(DAYS), start=time(9, 0), end=time(17, 0)),)


class CadenceOptimizer(Protocol):
    """Chooses `count` posting times (local, naive) for one platform on one day from candidates."""

    def choose(
        self, platform_name: str, day: date, candidates: Sequence[datetime], count: int
    ) -> list[datetime]: ...


class BrandWindows:
    """Until the engine has learned anything: spread the day's posts evenly across its windows."""

    def choose(
        self, platform_name: str, day: date, candidates: Sequence[datetime], count: int
    ) -> list[datetime]:
        if count <= 0 or not candidates:
            return []
        if count >= len(candidates):
            return list(candidates)
        step = len(candidates) / count
        return [candidates[int(step * i + step / 2)] for i in range(count)]


class LearnedTimes(BrandWindows):
    """Best times learned by analytics (`campaign_memory`, dimension `posting_time`), per platform:
    `scores[platform][(weekday, hour)] = effect`. Platforms without findings fall back to windows."""

    def __init__(self, scores: Mapping[str, Mapping[tuple[str, int], float]]):
        self.scores = scores

    def knows(self, platform_name: str) -> bool:
        """Learned times replace the brand's windows for this platform: any hour may be chosen."""
        return bool(self.scores.get(platform_name))

    def choose(
        self, platform_name: str, day: date, candidates: Sequence[datetime], count: int
    ) -> list[datetime]:
        learned = self.scores.get(platform_name)
        if not learned:
            return super().choose(platform_name, day, candidates, count)
        weekday = DAYS[day.weekday()]
        ranked = sorted(candidates, key=lambda at: (-learned.get((weekday, at.hour), float("-inf")), at))
        chosen: list[datetime] = []
        for at in ranked:  # one post per learned hour before doubling up
            if all(at.hour != c.hour for c in chosen):
                chosen.append(at)
            if len(chosen) == count:
                break
        chosen += [at for at in ranked if at not in chosen][: count - len(chosen)]
        return sorted(chosen)


def learned_scores(rows: Iterable[Mapping[str, object]]) -> dict[str, dict[tuple[str, int], float]]:
    """`campaign_memory` rows with dimension `posting_time` and finding_key like `tue 08` → scores."""
    scores: dict[str, dict[tuple[str, int], float]] = {}
    for row in rows:
        key = str(row.get("finding_key", "")).split()
        if row.get("dimension") != "posting_time" or len(key) != 2 or key[0] not in DAYS:
            continue
        try:
            hour = int(key[1].split(":")[0])
        except ValueError:
            continue
        scores.setdefault(str(row["platform"]), {})[(key[0], hour)] = float(row.get("effect") or 0.0)
    return scores


def bandit_scores(rows: Iterable[Mapping[str, object]]) -> dict[str, dict[tuple[str, int], float]]:
    """Analytics' Thompson-sampling shares (`bandit_allocations`, dimension `posting_time`, arm a
    window such as `18:00-21:00` or an hour `18:00`) → a score for every hour of the arm, every day."""
    scores: dict[str, dict[tuple[str, int], float]] = {}
    for row in rows:
        if row.get("dimension") != "posting_time":
            continue
        bounds = [part.strip() for part in str(row.get("arm", "")).replace("–", "-").split("-")]
        try:
            start = int(bounds[0].split(":")[0])
            end = int(bounds[1].split(":")[0]) if len(bounds) > 1 and bounds[1] else start + 1
        except ValueError:
            continue
        for hour in range(start, min(end, 24)):
            for day in DAYS:
                scores.setdefault(str(row["platform"]), {})[(day, hour)] = float(row.get("share") or 0.0)
    return scores


def cadence_optimizer(
    bandit_rows: Iterable[Mapping[str, object]], memory_rows: Iterable[Mapping[str, object]]
) -> tuple[CadenceOptimizer, list[str]]:
    """The best times learned so far (the posting-time bandit's shares first, then campaign memory's
    hour findings) and the platforms they cover; with neither, every platform keeps the brand's windows."""
    scores = bandit_scores(bandit_rows)
    for platform_name, hours in learned_scores(memory_rows).items():
        scores.setdefault(platform_name, hours)
    return (LearnedTimes(scores) if scores else BrandWindows()), sorted(scores)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time, or None when that time does not exist (spring forward).
    Times that happen twice (fall back) resolve to the first one (fold=0)."""
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return instant


def candidates_for(day: date, windows: Sequence[PostingWindow]) -> list[datetime]:
    """Wall-clock times on a 15-minute grid inside the windows that open on the day (end excluded;
    an overnight window, 22:00-02:00, runs into the next morning)."""
    weekday = DAYS[day.weekday()]
    found: set[datetime] = set()
    for window in windows:
        if weekday not in window.days:
            continue
        at = datetime.combine(day, window.start)
        end = datetime.combine(day, window.end) + timedelta(days=1 if window.end < window.start else 0)
        while at < end:
            found.add(at)
            at += GRID
    return sorted(found)


def in_windows(local: datetime, windows: Sequence[PostingWindow]) -> bool:
    """Whether a wall-clock time falls inside one of the windows (end excluded; an overnight
    window counts from the day it opens)."""
    for window in windows:
        for opens in (local.date(), local.date() - timedelta(days=1)):
            if DAYS[opens.weekday()] not in window.days:
                continue
            start = datetime.combine(opens, window.start)
            end = datetime.combine(opens, window.end) + timedelta(days=1 if window.end < window.start else 0)
            if start <= local < end:
                return True
    return False


def window_problem(profile: BrandProfile, platform_name: str, at: datetime) -> str | None:
    """Why `at` (aware) cannot be a posting time on the platform, or None when it is inside the
    brand's posting windows for it."""
    zone = ZoneInfo(profile.audience.timezone)
    local = at.astimezone(zone).replace(tzinfo=None)
    windows = profile.windows_for(platform_name) or list(DEFAULT_WINDOWS)
    if in_windows(local, windows):
        return None
    allowed = "; ".join(f"{','.join(w.days)} {w.start:%H:%M}-{w.end:%H:%M}" for w in windows)
    return (
        f"{local:%a %Y-%m-%d %H:%M} ({profile.audience.timezone}) is outside the posting windows "
        f"for {platform_name}: {allowed}"
    )


@dataclass(frozen=True)
class Slot:
    platform: str
    at: datetime  # UTC
    local: datetime  # wall clock in the brand's zone


def platform_slots(
    profile: BrandProfile, platform_name: str, start: date, days: int, optimizer: CadenceOptimizer
) -> list[Slot]:
    """Slots for one platform over `days` days from `start`, honouring posts per day and quotas."""
    zone = ZoneInfo(profile.audience.timezone)
    channel = profile.channels[platform_name]  # type: ignore[index]
    windows = profile.windows_for(platform_name) or list(DEFAULT_WINDOWS)
    if getattr(optimizer, "knows", lambda _name: False)(platform_name):
        windows = [PostingWindow(days=list(DAYS), start=time(0, 0), end=time(23, 59))]
    quota = platform(platform_name).posts_per_24h
    slots: list[Slot] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        # fractional rates (0.5 a day) become whole posts on the right days
        count = int((offset + 1) * channel.posts_per_day) - int(offset * channel.posts_per_day)
        candidates = [c for c in candidates_for(day, windows) if local_to_utc(c, zone) is not None]
        for local in optimizer.choose(platform_name, day, candidates, count):
            at = local_to_utc(local, zone)
            assert at is not None
            if quota and _in_last_24h(slots, at) >= quota:
                continue
            slots.append(Slot(platform_name, at, local))
    return slots


def _in_last_24h(slots: Sequence[Slot], at: datetime) -> int:
    return sum(1 for slot in slots if at - timedelta(hours=24) < slot.at <= at)


@dataclass
class PlannedPost:
    draft: Draft
    scheduled_at: datetime | None  # None: no free slot in the horizon (the backlog)


def plan(
    drafts: Sequence[Draft], slots: Mapping[str, Sequence[Slot]], arc_gap: timedelta = timedelta(hours=12)
) -> list[PlannedPost]:
    """Give each draft a slot: all hooks first (content in the given order), then nurtures, then
    converts; a step of one piece of content starts at least `arc_gap` after the first post of
    its previous step went out (a slow platform does not hold the whole arc back)."""
    free = {name: sorted(slot.at for slot in platform_slots) for name, platform_slots in slots.items()}
    step_done: dict[tuple[str, str], datetime] = {}
    planned: list[PlannedPost] = []
    for index, step in enumerate(ARC_STEPS):
        for draft in (d for d in drafts if d.arc_step == step):
            earliest = max(
                (
                    step_done[(draft.content_ref, s)] + arc_gap
                    for s in ARC_STEPS[:index]
                    if (draft.content_ref, s) in step_done
                ),
                default=None,
            )
            times = free.get(draft.platform, [])
            position = bisect.bisect_left(times, earliest) if earliest else 0
            at = times.pop(position) if position < len(times) else None
            planned.append(PlannedPost(draft, at))
            if at is not None:
                key = (draft.content_ref, step)
                step_done[key] = min(step_done.get(key, at), at)
    return planned


def plan_calendar(
    profile: BrandProfile,
    drafts: Sequence[Draft],
    optimizer: CadenceOptimizer,
    now: datetime,
    days: int = HORIZON_DAYS,
) -> list[PlannedPost]:
    """The calendar for `days` days from the brand's current local day: every draft the claims gate
    passed in a slot of its platform (or the backlog), then the held drafts with no time."""
    start = calendar_start(profile, now)
    platforms = sorted({draft.platform for draft in drafts})
    slots = {name: platform_slots(profile, name, start, days, optimizer) for name in platforms}
    planned = plan([draft for draft in drafts if not draft.hold_reason], slots)
    return planned + [PlannedPost(draft, None) for draft in drafts if draft.hold_reason]


def calendar_start(profile: BrandProfile, now: datetime) -> date:
    """Plans start on the brand's current local day, so slots earlier today are due at once."""
    return now.astimezone(ZoneInfo(profile.audience.timezone)).date()


def write_ics(
    path: Path,
    brand_name: str,
    domain: str,
    events: Iterable[Mapping[str, object]],
    audience_zone: str | None = None,
) -> int:
    """The calendar as an .ics file a marketer can subscribe to; returns the number of events.

    Times are written in UTC (`DTSTART:20261130T154500Z`): the warehouse stores UTC instants, a UTC
    time needs no VTIMEZONE block whose rules could go stale, and every calendar client shows it in
    the reader's own zone, who may not sit in the audience's. The audience's wall-clock time (the
    time the post was planned for) is spelled out in the description when `audience_zone` is given.
    """
    from icalendar import Calendar, Event

    zone = ZoneInfo(audience_zone) if audience_zone else None
    calendar = Calendar()
    calendar.add("prodid", f"-//Marketing Engine//{brand_name}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{brand_name} content calendar")
    count = 0
    for item in events:
        scheduled = item["scheduled_at"]
        if not isinstance(scheduled, datetime) or scheduled.tzinfo is None:
            raise TypeError(
                f"calendar event {item.get('idempotency_key')!r}: scheduled_at {scheduled!r} is not a datetime "
                "with a zone (the warehouse hands back aware UTC instants)"
            )
        start = scheduled.astimezone(UTC)
        local = f"\naudience time: {start.astimezone(zone):%Y-%m-%d %H:%M} {audience_zone}" if zone else ""
        event = Event()
        event.add("uid", f"{item['idempotency_key']}@{domain}")
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=15))
        event.add("dtstamp", datetime.now(UTC))
        event.add("summary", f"[{item['platform']}] {item['arc_step'] or ''}: {str(item['body'])[:60]}")
        event.add(
            "description",
            f"{item['body']}\n\n{item.get('link_url') or ''}\nstate: {item['state']}{local}",
        )
        event.add("status", "CONFIRMED" if item["state"] in ("scheduled", "published") else "TENTATIVE")
        calendar.add_component(event)
        count += 1
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(calendar.to_ical())
    partial.replace(path)
    return count
