"""The week calendar: each post with its state (queued, published with its link, failed with its
reason, unknown while a claim waits for reconciliation); rescheduling stays inside the windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desk.conftest import csrf_of
from marketing_engine.publishing.calendar import in_windows
from marketing_engine.warehouse.models import SocialPost

WEEK = "2027-01-04"
START_LATER = datetime(2027, 1, 6, 17, tzinfo=UTC)


def _local_times(profile, inside: bool) -> datetime:
    """A wall-clock time in the week after WEEK, inside (or outside) LinkedIn's posting windows."""
    windows = profile.windows_for("linkedin")
    start = date.fromisoformat(WEEK) + timedelta(days=7)
    for minutes in range(0, 7 * 24 * 60, 30):
        local = datetime.combine(start, datetime.min.time()) + timedelta(minutes=minutes)
        if in_windows(local, windows) is inside:
            return local
    raise AssertionError("no such time")


def test_the_week_shows_each_state(login, seed, desk_warehouse) -> None:
    ids = seed(["queued one", "published one", "failed one", "claimed one"])
    with desk_warehouse.session() as session:
        published, failed, claimed = (session.get(SocialPost, i) for i in ids[1:])
        published.state, published.platform_url = "published", "https://www.linkedin.com/feed/update/1"
        failed.state, failed.last_error = "failed", "401 token expired"
        claimed.state = "publishing"
    page = login("viewer").get(f"/calendar?week={WEEK}").text
    assert "queued (waiting for approval)" in page
    assert 'href="https://www.linkedin.com/feed/update/1"' in page
    assert "401 token expired" in page and "unknown (waiting for reconciliation)" in page
    assert "Reschedule</button>" not in page  # a viewer reads only
    month = login("viewer").get("/calendar?month=2027-01").text
    assert "January 2027" in month and 'href="https://www.linkedin.com/feed/update/1"' in month
    assert "401 token expired" in month and month.count('id="slot-') == 4


def test_reschedule_inside_a_window_moves_the_post_and_outside_is_refused(
    login, seed, desk_warehouse, profile
) -> None:
    post_id = seed(["movable post"])[0]
    zone = ZoneInfo(profile.audience.timezone)
    editor = login("editor")
    token = csrf_of(editor, f"/calendar?week={WEEK}")
    outside = _local_times(profile, inside=False)
    answer = editor.post(
        f"/calendar/{post_id}/reschedule", data={"csrf": token, "at": outside.isoformat(), "week": WEEK}
    )
    assert (
        f"Post {post_id} not moved" in answer.text
        and "outside the posting windows for linkedin" in answer.text
    )
    with desk_warehouse.session() as session:
        before = session.get(SocialPost, post_id).scheduled_at
    inside = _local_times(profile, inside=True)
    answer = editor.post(
        f"/calendar/{post_id}/reschedule", data={"csrf": token, "at": inside.isoformat(), "week": WEEK}
    )
    assert f"Post {post_id} moved to" in answer.text
    with desk_warehouse.session() as session:
        after = session.get(SocialPost, post_id).scheduled_at
    assert after != before and after == inside.replace(tzinfo=zone)
    garbage = editor.post(f"/calendar/{post_id}/reschedule", data={"csrf": token, "at": "soon"})
    assert "is not a date and time" in garbage.text


def test_the_next_calendar_run_keeps_what_people_changed(login, seed, desk_warehouse, profile) -> None:
    """`make run` plans the same content again: a person's text and time stand, the rest is re-planned."""
    from desk.conftest import planned
    from marketing_engine.publishing.queue import sync_calendar

    edited, moved, untouched = seed(["one", "two", "three"])
    editor = login("editor")
    token = csrf_of(editor, "/review")
    editor.post(f"/review/{edited}/edit", data={"csrf": token, "text": "one, by hand"})
    inside = _local_times(profile, inside=True)
    editor.post(f"/calendar/{moved}/reschedule", data={"csrf": token, "at": inside.isoformat(), "week": WEEK})
    approver = login("approver")
    approver.post(f"/review/{edited}/approve", data={"csrf": csrf_of(approver, "/review")})
    with desk_warehouse.session() as session:
        before = {i: session.get(SocialPost, i).scheduled_at for i in (edited, moved, untouched)}
        report = sync_calendar(
            session,
            profile.slug,
            planned(["one v2", "two v2", "three v2"], START_LATER),
            approval_required=True,
        )
    assert report.voided == 0
    with desk_warehouse.session() as session:
        one, two, three = (session.get(SocialPost, i) for i in (edited, moved, untouched))
        assert one.body == "one, by hand" and one.state == "scheduled"  # still approved
        assert one.approved_sha256 == one.content_sha256
        assert two.scheduled_at == before[moved] and two.body == "two v2"
        assert three.body == "three v2" and three.scheduled_at != before[untouched]


def test_a_failed_post_can_be_retried_from_the_calendar(login, seed, desk_warehouse) -> None:
    post_id = seed(["will fail"])[0]
    with desk_warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        post.state, post.last_error = "failed", "502 from the platform"
    assert "Retry</button>" not in login("viewer").get(f"/calendar?week={WEEK}").text
    editor = login("editor")
    page = editor.get(f"/calendar?week={WEEK}").text
    assert "Retry</button>" in page
    answer = editor.post(
        f"/calendar/{post_id}/retry", data={"csrf": csrf_of(editor, "/review"), "week": WEEK}
    )
    assert f"Post {post_id} retried: queued (waiting for approval)" in answer.text  # never approved
    with desk_warehouse.session() as session:
        post = session.get(SocialPost, post_id)
        assert (post.state, post.last_error) == ("pending_review", None)


def test_windows_hold_their_days_and_run_overnight() -> None:
    from datetime import time

    from marketing_engine.brand import PostingWindow

    late = [PostingWindow(days=["fri"], start=time(22, 0), end=time(2, 0))]
    friday = datetime(2027, 1, 8, 23, 30)
    assert in_windows(friday, late) and in_windows(friday + timedelta(hours=2), late)  # Sat 01:30
    assert not in_windows(friday + timedelta(hours=3), late)  # Sat 02:30: closed
    assert not in_windows(friday - timedelta(days=1), late)  # Thursday
    assert not in_windows(datetime(2027, 1, 8, 2, 0), late)  # Fri 02:00 belongs to Thursday's night
