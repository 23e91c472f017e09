"""The calendar: a week per platform or a month of weeks, each post with its state; rescheduling
within the brand's posting windows, and retrying failed posts."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from marketing_engine.desk.core import Desk, go_back, guarded, post_id_of, web_link
from marketing_engine.publishing.calendar import local_to_utc, window_problem
from marketing_engine.publishing.queue import ReviewError, reschedule_post, retry_post
from marketing_engine.warehouse.models import SocialPost

STATE_LABELS = {  # the calendar's words for a post's state
    "pending_review": "queued (waiting for approval)",
    "scheduled": "queued",
    "publishing": "unknown (waiting for reconciliation)",
    "published": "published",
    "failed": "failed",
}


def _week_start(value: str | None, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(value) if value else datetime.now(zone).date()
    except ValueError:
        day = datetime.now(zone).date()
    return day - timedelta(days=day.weekday())


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, datetime.min.time()), zone) or datetime.combine(
        day, datetime.min.time(), UTC
    )


def _scheduled(desk: Desk, first: date, last: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The brand's posts scheduled from `first` to `last` (local days, both included), soonest first."""
    with desk.warehouse.session() as session:
        posts = session.scalars(
            select(SocialPost)
            .where(
                SocialPost.brand == desk.profile.slug,
                SocialPost.scheduled_at >= _midnight(first, zone),
                SocialPost.scheduled_at < _midnight(last + timedelta(days=1), zone),
            )
            .order_by(SocialPost.scheduled_at, SocialPost.id)
        )
        return [
            {
                "id": post.id,
                "platform": post.platform,
                "day": post.scheduled_at.astimezone(zone).date(),
                "time": post.scheduled_at.astimezone(zone),
                "state": STATE_LABELS.get(post.state, post.state),
                "raw_state": post.state,
                "url": web_link(post.platform_url) if post.state == "published" else None,
                "reason": post.last_error if post.state == "failed" else None,
                "text": " ".join(post.body.split())[:120],
                "movable": post.state in ("draft", "pending_review", "scheduled"),
            }
            for post in posts
        ]


@guarded("viewer")
async def calendar(request: Request, desk: Desk, form: dict) -> Response:
    """The week (`?week=YYYY-MM-DD`, rows per platform) or the month (`?month=YYYY-MM`, weeks)."""
    zone = ZoneInfo(desk.profile.audience.timezone)
    if "month" in request.query_params:
        return _month(request, desk, zone)
    start = _week_start(request.query_params.get("week"), zone)
    days = [start + timedelta(days=i) for i in range(7)]
    grid: dict[str, dict[date, list[dict]]] = {}
    for post in _scheduled(desk, days[0], days[-1], zone):
        grid.setdefault(post["platform"], {}).setdefault(post["day"], []).append(post)
    return desk.render(
        request,
        "calendar.html",
        days=days,
        grid=dict(sorted(grid.items())),
        zone=desk.profile.audience.timezone,
        previous=start - timedelta(days=7),
        next=start + timedelta(days=7),
        month=start.strftime("%Y-%m"),
    )


def _month(request: Request, desk: Desk, zone: ZoneInfo) -> Response:
    try:
        first = date.fromisoformat(f"{request.query_params['month']}-01")
    except ValueError:
        first = datetime.now(zone).date().replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    weeks, day = [], first - timedelta(days=first.weekday())
    while day < after:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    by_day: dict[date, list[dict]] = {}
    for post in _scheduled(desk, first, after - timedelta(days=1), zone):
        by_day.setdefault(post["day"], []).append(post)
    return desk.render(
        request,
        "month.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        zone=desk.profile.audience.timezone,
        previous=(first - timedelta(days=1)).strftime("%Y-%m"),
        next=after.strftime("%Y-%m"),
    )


@guarded("editor")
async def reschedule(request: Request, desk: Desk, form: dict) -> Response:
    """Move a post to a local time in the brand's zone, refused outside the platform's windows."""
    post_id = post_id_of(request)
    zone = ZoneInfo(desk.profile.audience.timezone)
    back = f"/calendar?week={form.get('week') or ''}"
    try:
        local = datetime.fromisoformat(str(form.get("at") or ""))
    except ValueError:
        return go_back(request, back, f"Post {post_id}: {form.get('at')!r} is not a date and time.")
    at = local_to_utc(local.replace(tzinfo=None), zone)
    if at is None:
        return go_back(request, back, f"Post {post_id}: {local:%Y-%m-%d %H:%M} does not exist in {zone.key}.")
    with desk.warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        if post is None or post.brand != desk.profile.slug:
            return go_back(request, back, f"post {post_id} does not exist")
        problem = window_problem(desk.profile, post.platform, at)
        if problem:
            return go_back(request, back, f"Post {post_id} not moved: {problem}.")
        try:
            reschedule_post(session, post_id, at, by=request.session["user"])
        except ReviewError as exc:
            return go_back(request, back, str(exc))
    return go_back(request, back, f"Post {post_id} moved to {local:%a %Y-%m-%d %H:%M} ({zone.key}).")


@guarded("editor")
async def retry(request: Request, desk: Desk, form: dict) -> Response:
    """A failed post goes back in the queue now (to review first if its approval no longer holds)."""
    post_id, back = post_id_of(request), f"/calendar?week={form.get('week') or ''}"
    try:
        with desk.warehouse.session() as session:
            post = retry_post(session, post_id, datetime.now(UTC))
            state = STATE_LABELS.get(post.state, post.state)
    except ReviewError as exc:
        return go_back(request, back, str(exc))
    return go_back(request, back, f"Post {post_id} retried: {state}.")
