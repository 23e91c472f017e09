"""The publish queue on SQLite and PostgreSQL: calendar sync, review, claims, delivery, reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketing_engine.publishing.calendar import PlannedPost
from marketing_engine.publishing.outgoing import (
    AmbiguousPublish,
    OutgoingPost,
    PublishRejected,
    PublishResult,
    RateLimited,
)
from marketing_engine.publishing.platforms import Draft
from marketing_engine.publishing.queue import (
    ReviewError,
    cancel_post,
    decide,
    dispatch_due,
    edit_post,
    reconcile,
    retry_post,
    sync_calendar,
    verify_published,
)
from marketing_engine.publishing.store import claim_due
from marketing_engine.resources.publishers.outbox import OutboxPublisher
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import ReviewDecision, SocialPost

NOW = datetime(2027, 1, 4, 16, tzinfo=UTC)


def _planned(count: int, start: datetime = NOW, text: str = "post") -> list[PlannedPost]:
    return [
        PlannedPost(
            Draft(
                platform="linkedin",
                content_ref=f"page:{i}",
                variant="main",
                fields={"text": f"{text} {i}"},
                arc_step="hook",
            ),
            start + timedelta(hours=i),
        )
        for i in range(count)
    ]


class FakePublisher:
    """Plays a platform: scripted failures first, then success; remembers what it accepted."""

    platform = "linkedin"
    flush_every = 1

    def __init__(self, script: list[Exception] | None = None, accepted_on_error: bool = False):
        self.script = list(script or [])
        self.accepted_on_error = accepted_on_error
        self.accepted: dict[str, PublishResult] = {}
        self.calls = 0

    def publish(self, post: OutgoingPost) -> PublishResult:
        self.calls += 1
        if self.script:
            error = self.script.pop(0)
            if self.accepted_on_error:
                self.accepted[post.idempotency_key] = PublishResult(f"id-{post.id}", f"https://p/{post.id}")
            raise error
        result = PublishResult(f"id-{post.id}", f"https://p/{post.id}")
        self.accepted[post.idempotency_key] = result
        return result

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        return self.accepted.get(post.idempotency_key)

    def verify(self, post_id: str, url: str | None) -> bool:
        return post_id != "id-gone"


def _posts(warehouse: Warehouse) -> list[SocialPost]:
    with warehouse.session() as session:
        return list(session.scalars(select(SocialPost).order_by(SocialPost.id)))


def test_resync_reschedules_and_never_duplicates(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        first = sync_calendar(session, "b", _planned(5), approval_required=False)
    assert (first.created, first.auto_approved) == (5, 5)
    with warehouse.session() as session:
        again = sync_calendar(session, "b", _planned(5), approval_required=False)
    assert (again.created, again.unchanged, again.auto_approved) == (0, 5, 0)
    with warehouse.session() as session:
        moved = sync_calendar(session, "b", _planned(5, NOW + timedelta(days=1)), approval_required=False)
    assert moved.rescheduled == 5
    posts = _posts(warehouse)
    assert len(posts) == 5 and {p.state for p in posts} == {"scheduled"}
    with warehouse.session() as session:
        assert len(list(session.scalars(select(ReviewDecision)))) == 5  # one auto approval each, not per run
        shorter = sync_calendar(session, "b", _planned(3, NOW + timedelta(days=1)), approval_required=False)
    assert shorter.unplanned == 2
    assert sum(p.state == "draft" and p.scheduled_at is None for p in _posts(warehouse)) == 2


def test_review_approval_is_tied_to_the_content_hash(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        report = sync_calendar(session, "b", _planned(2), approval_required=True)
    assert report.pending_review == 2
    post_id = _posts(warehouse)[0].id
    with warehouse.session() as session:
        approved = decide(session, post_id, "approved", "maya", "looks good")
        assert approved.state == "scheduled" and approved.approved_sha256 == approved.content_sha256
    with warehouse.session() as session:  # the copy changes upstream: the approval no longer holds
        report = sync_calendar(session, "b", _planned(2, text="new copy"), approval_required=True)
    assert report.voided == 1
    assert {p.state for p in _posts(warehouse)} == {"pending_review"}
    with warehouse.session() as session:
        decide(session, post_id, "approved", "maya")
        edited = edit_post(session, post_id, "hand-edited text")
        assert edited.state == "pending_review" and edited.approved_sha256 is None
        decisions = [
            d.decision
            for d in session.scalars(
                select(ReviewDecision).where(ReviewDecision.post_id == post_id).order_by(ReviewDecision.id)
            )
        ]
    assert decisions == ["approved", "voided", "approved", "voided"]
    with warehouse.session() as session, pytest.raises(ReviewError, match="needs a --note"):
        decide(session, post_id, "rejected", "maya")
    with warehouse.session() as session:
        assert decide(session, post_id, "rejected", "maya", "off-brand").state == "rejected"
    with warehouse.session() as session:
        assert claim_due(session, NOW + timedelta(days=1)) == []  # nothing approved, nothing claimed


def test_dispatch_publishes_due_posts_once_and_freezes_them(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(4), approval_required=False)
    publisher = FakePublisher()
    report = dispatch_due(warehouse, lambda _: publisher, NOW + timedelta(hours=1, minutes=30), batch=1)
    assert (report.published, publisher.calls) == (2, 2)  # posts 0 and 1 are due
    again = dispatch_due(warehouse, lambda _: publisher, NOW + timedelta(hours=1, minutes=30))
    assert again.published == 0 and publisher.calls == 2
    with warehouse.session() as session:
        frozen = sync_calendar(session, "b", _planned(4, NOW + timedelta(days=2)), approval_required=False)
    assert frozen.frozen == 2
    published = [p for p in _posts(warehouse) if p.state == "published"]
    assert [p.platform_post_id for p in published] == [f"id-{p.id}" for p in published]
    assert all(p.attempts == 1 and p.published_at for p in published)


@pytest.mark.parametrize(
    ("script", "accepted", "state", "calls"),
    [
        ([RateLimited("linkedin", 2.0)], False, "published", 2),  # waited as asked, then sent
        ([AmbiguousPublish("linkedin: ReadTimeout on create")], True, "published", 1),  # found, not re-sent
        ([AmbiguousPublish("linkedin: HTTP 503: busy")], False, "published", 2),  # not there: sent again
        ([PublishRejected("linkedin: HTTP 422: commentary too long")], False, "failed", 1),
        ([RateLimited("linkedin", 3600.0)], False, "scheduled", 1),  # too long to wait: back in the queue
    ],
)
def test_delivery_outcomes(warehouse: Warehouse, script, accepted, state, calls) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(1), approval_required=False)
    publisher = FakePublisher(script, accepted_on_error=accepted)
    waits: list[float] = []
    dispatch_due(warehouse, lambda _: publisher, NOW, sleep=waits.append)
    [post] = _posts(warehouse)
    assert post.state == state and publisher.calls == calls
    if state == "failed":
        assert post.last_error == "linkedin: HTTP 422: commentary too long"
    if script and isinstance(script[0], RateLimited) and state == "published":
        assert waits == [2.0]


def test_reconciler_finds_requeues_then_gives_up(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(2), approval_required=False)
        claimed = claim_due(session, NOW + timedelta(hours=2), claimed_at=NOW)
    assert len(claimed) == 2  # the worker "dies" here, after the claim was committed
    publisher = FakePublisher()
    publisher.accepted[claimed[0].idempotency_key] = PublishResult(
        "id-x", "https://p/x"
    )  # reached the platform
    early = reconcile(warehouse, lambda _: publisher, NOW + timedelta(minutes=1), grace=timedelta(minutes=5))
    assert early.checked == 0  # inside the grace period nothing is touched
    report = reconcile(
        warehouse, lambda _: publisher, NOW + timedelta(minutes=6), grace=timedelta(minutes=5), max_attempts=2
    )
    assert (report.found, report.requeued) == (1, 1)
    first, second = _posts(warehouse)
    assert first.state == "published" and first.platform_post_id == "id-x"
    assert second.state == "scheduled"
    with warehouse.session() as session:  # claimed and stranded again: the second attempt is the last
        claim_due(session, NOW + timedelta(hours=3), claimed_at=NOW + timedelta(minutes=7))
    final = reconcile(
        warehouse,
        lambda _: publisher,
        NOW + timedelta(minutes=20),
        grace=timedelta(minutes=5),
        max_attempts=2,
    )
    assert final.failed == 1 and _posts(warehouse)[1].state == "failed"
    checked = verify_published(warehouse, lambda _: publisher, NOW)
    assert checked.verified == 1


def test_posts_desk_retry_and_cancel(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(2), approval_required=False)
    post_id = _posts(warehouse)[0].id
    with warehouse.session() as session:
        assert cancel_post(session, post_id).state == "cancelled"
    with warehouse.session() as session:
        assert retry_post(session, post_id, NOW).state == "scheduled"
    publisher = FakePublisher()
    dispatch_due(warehouse, lambda _: publisher, NOW)
    with warehouse.session() as session, pytest.raises(ReviewError, match="can no longer be cancelled"):
        cancel_post(session, post_id)
    with warehouse.session() as session, pytest.raises(ReviewError, match="only failed or cancelled"):
        retry_post(session, post_id, NOW)


def test_outbox_writes_each_post_once_with_its_media(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"video")
    outbox = OutboxPublisher(tmp_path / "outbox", "tiktok", media_path=lambda key: media)
    post = OutgoingPost(
        id=1, platform="tiktok", idempotency_key="k" * 32, body="caption", media_keys=("ab/ab.mp4",)
    )
    first = outbox.publish(post)
    stamp = (tmp_path / "outbox" / "tiktok" / f"{'k' * 32}.json").stat().st_mtime_ns
    assert outbox.publish(post) == first  # a retry finds the file and writes nothing
    assert (tmp_path / "outbox" / "tiktok" / f"{'k' * 32}.json").stat().st_mtime_ns == stamp
    assert (tmp_path / "outbox" / "tiktok" / f"{'k' * 32}.media" / "ab_ab.mp4").read_bytes() == b"video"
    assert outbox.find(post) == first and outbox.verify(first.post_id, None)
    assert not list((tmp_path / "outbox" / "tiktok").glob(".*partial"))
    no_store = OutboxPublisher(tmp_path / "outbox", "x")
    with pytest.raises(PublishRejected, match="has media but the outbox has no media store"):
        no_store.publish(
            OutgoingPost(id=2, platform="x", idempotency_key="z" * 32, body="b", media_keys=("a/b",))
        )


def test_postgres_claims_skip_rows_another_worker_holds(pg_url: str) -> None:
    warehouse = Warehouse(pg_url)
    with warehouse.session() as session:
        session.execute(SocialPost.__table__.delete())
        sync_calendar(session, "b", _planned(6), approval_required=False)
    due = NOW + timedelta(hours=10)
    with warehouse.session() as holder:
        mine = claim_due(holder, due, limit=3)  # not committed yet: the rows stay locked
        with warehouse.session() as other:
            theirs = claim_due(other, due, limit=10)
    assert len(mine) == 3 and len(theirs) == 3
    assert not {p.id for p in mine} & {p.id for p in theirs}
    warehouse.dispose()


def test_creates_are_spaced_by_the_platform_request_window(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(3), approval_required=False)
    naps: list[float] = []
    report = dispatch_due(
        warehouse,
        lambda _: FakePublisher(),
        NOW + timedelta(hours=3),
        batch=1,
        sleep=naps.append,
        min_interval={"linkedin": 10.0},
    )
    assert report.published == 3 and len(naps) == 2 and all(9.0 < nap <= 10.0 for nap in naps)


def test_claims_and_reconciliation_can_be_limited_to_one_brand(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "a", _planned(2), approval_required=False)
        sync_calendar(session, "b", _planned(2), approval_required=False)
    with warehouse.session() as session:
        assert {p.id for p in claim_due(session, NOW + timedelta(hours=3), brand="a", claimed_at=NOW)}
    assert {p.brand for p in _posts(warehouse) if p.state == "publishing"} == {"a"}
    report = reconcile(
        warehouse, lambda _: FakePublisher(), NOW + timedelta(hours=1), grace=timedelta(0), brand="b"
    )
    assert report.checked == 0


def test_an_unexpected_answer_leaves_the_post_for_the_reconciler(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        sync_calendar(session, "b", _planned(2), approval_required=False)
    publisher = FakePublisher([KeyError("id")])
    report = dispatch_due(warehouse, lambda _: publisher, NOW + timedelta(hours=2), batch=1)
    assert (report.left_for_reconciler, report.published) == (1, 1)
    assert "unexpected KeyError" in report.errors[0]
    assert [p.state for p in _posts(warehouse)] == ["publishing", "published"]


def test_postgres_planning_never_writes_over_a_post_being_published(pg_url: str) -> None:
    """A calendar sync that starts while a publish worker holds its claim waits for it, then leaves
    the claimed posts alone (before, it wrote `scheduled` back over a post being published)."""
    import threading

    warehouse = Warehouse(pg_url)
    with warehouse.session() as session:
        session.execute(SocialPost.__table__.delete())
        sync_calendar(session, "b", _planned(3), approval_required=False)
    synced = threading.Event()
    reports = []

    def plan_again() -> None:
        with warehouse.session() as session:
            reports.append(sync_calendar(session, "b", _planned(3), approval_required=False))
        synced.set()

    with warehouse.session() as worker:
        claimed = claim_due(worker, NOW + timedelta(hours=10), limit=2)  # locked until this commits
        planner = threading.Thread(target=plan_again)
        planner.start()
        assert not synced.wait(1.0)  # the planner waits for the claim
    planner.join(30)
    states = sorted(p.state for p in _posts(warehouse))
    assert len(claimed) == 2 and states == ["publishing", "publishing", "scheduled"]
    assert reports[0].frozen == 2
    warehouse.dispose()


def test_postgres_claims_read_the_due_index_in_order_not_a_sort_of_every_post(pg_url: str) -> None:
    # A claim of a batch must cost the batch, not every scheduled post: with 4,000 due the plan reads
    # ix_social_posts_due (scheduled_at, id; approved and scheduled only) in order and sorts nothing.
    from sqlalchemy import event, insert, text

    from benchmarks._drill import approved_posts

    warehouse = Warehouse(pg_url)
    due = NOW - timedelta(minutes=1)
    stamps = {"attempts": 0, "created_at": due, "updated_at": due}
    with warehouse.session() as session:
        session.execute(SocialPost.__table__.delete())
        session.execute(insert(SocialPost), [r | stamps for r in approved_posts("b", "due", 4000, due)])
        session.execute(text("ANALYZE social_posts"))
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FOR UPDATE SKIP LOCKED" in statement:
            seen.append((statement, parameters))

    event.listen(warehouse.engine, "before_cursor_execute", capture)
    with warehouse.session() as session:
        claimed = claim_due(session, NOW, limit=500)
    event.remove(warehouse.engine, "before_cursor_execute", capture)
    assert len(claimed) == 500 and [p.id for p in claimed] == sorted(p.id for p in claimed)
    statement, parameters = seen[0]
    with warehouse.engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ix_social_posts_due" in plan and "Sort" not in plan, plan
    warehouse.dispose()
