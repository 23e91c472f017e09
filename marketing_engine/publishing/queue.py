"""The publish queue over `social_posts`: calendar sync (reschedule, never duplicate), approvals,
claiming due posts, delivering them exactly once, and reconciling posts a crash left behind.

Exactly-once rests on three rules:
1. A post is claimed (state `publishing`, attempt counted) and that is COMMITTED before any
   platform call; two workers never claim the same row (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
   a conditional update under SQLite's single writer: `store.claim_due`).
2. A create that may have reached the platform (timeout, 5xx) is never blindly repeated: the
   platform's recent posts are read back first.
3. A post stuck in `publishing` (the worker died) is only retried after the reconciler has looked
   for it on the platform and not found it.

The statements themselves (claims, outcomes, stuck claims) are the publishing store's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import tenacity
from sqlalchemy.orm import Session

from marketing_engine.publishing.outgoing import (
    AcceptedUnconfirmed,
    AmbiguousPublish,
    OutgoingPost,
    Publisher,
    PublishError,
    PublishRejected,
    PublishResult,
    RateLimited,
    content_hash,
    idempotency_key,
)
from marketing_engine.publishing.store import (
    add_decision,
    claim_due,
    person_changes,
    posts_by_key,
    posts_to_verify,
    record_decisions,
    record_outcomes,
    resolve_claim,
    stuck_posts,
    upsert_posts,
)
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import SocialPost

if TYPE_CHECKING:  # the calendar pulls in the brand model; the publish worker does not need it
    from marketing_engine.publishing.calendar import PlannedPost

# States a calendar run may change; the others belong to the publisher or to a person. `held`: the
# claims gate stopped the post (reason in `last_error`); a later run with copy that passes frees it.
PLANNABLE = frozenset({"draft", "pending_review", "scheduled", "held"})
STATES = (
    "draft",
    "held",
    "pending_review",
    "scheduled",
    "publishing",
    "published",
    "failed",
    "rejected",
    "cancelled",
)


# What an `edited` post keeps from its row when the calendar plans it again.
PERSON_TEXT = ("body", "payload", "media_keys", "link_url", "content_sha256")


@dataclass
class SyncReport:
    """What a calendar sync did, post by post (the content calendar reports each as `sync_<name>`)."""

    created: int = 0
    rescheduled: int = 0
    unchanged: int = 0
    voided: int = 0
    auto_approved: int = 0
    pending_review: int = 0
    held: int = 0
    backlog: int = 0
    frozen: int = 0
    unplanned: int = 0


def _row(brand: str, item: PlannedPost) -> dict[str, Any]:
    draft = item.draft
    payload = {"fields": draft.fields, "parts": draft.parts, "media": draft.media}
    media_keys = [m["key"] for m in draft.media]
    return {
        "brand": brand,
        "platform": draft.platform,
        "content_ref": draft.content_ref,
        "variant": draft.variant,
        "body": draft.body,
        "payload": payload,
        "media_keys": media_keys,
        "link_url": draft.link_url,
        "scheduled_at": item.scheduled_at,
        "arc_step": draft.arc_step,
        "campaign": draft.campaign,
        "idempotency_key": idempotency_key(brand, draft.platform, draft.content_ref, draft.variant),
        "content_sha256": content_hash(draft.body, payload, media_keys, draft.link_url),
    }


def sync_calendar(
    session: Session,
    brand: str,
    planned: Sequence[PlannedPost],
    *,
    approval_required: bool,
    reviewer: str = "auto",
) -> SyncReport:
    """Upsert the planned posts. Posts being published, published, failed, rejected or cancelled
    are left alone; an approval whose content hash no longer matches is voided."""
    report = SyncReport()
    existing = posts_by_key(session, brand)
    by_people = person_changes(session, brand)
    rows, decisions = [], []
    for item in planned:
        row = _row(brand, item)
        old = existing.pop((row["platform"], row["content_ref"], row["variant"]), None)
        if old is not None and old.state not in PLANNABLE:
            report.frozen += 1
            continue
        changed = by_people.get(old.id, set()) if old is not None else set()
        if "edited" in changed:  # a person's text stands; the planned copy does not replace it
            row.update({column: getattr(old, column) for column in PERSON_TEXT})
        if "rescheduled" in changed and old.scheduled_at is not None:
            item = replace(item, scheduled_at=old.scheduled_at)
            row["scheduled_at"] = old.scheduled_at
        if item.draft.hold_reason and "edited" not in changed:
            row.update(
                state="held", scheduled_at=None, approved_sha256=None, last_error=item.draft.hold_reason
            )
            report.held += 1
            report.created += old is None
            report.unchanged += old is not None
            rows.append(row)
            continue
        row["last_error"] = old.last_error if old is not None and old.state != "held" else None
        approved = old.approved_sha256 if old else None
        if approved and approved != row["content_sha256"]:
            decisions.append((row, "voided", "system", "content changed after approval"))
            report.voided += 1
            approved = None
        if not approval_required and approved != row["content_sha256"]:
            decisions.append((row, "auto_approved", reviewer, "brand.approval.required is false"))
            report.auto_approved += 1
            approved = row["content_sha256"]
        row["approved_sha256"] = approved
        if item.scheduled_at is None:
            row["state"] = "draft"
            report.backlog += 1
        else:
            row["state"] = "scheduled" if approved == row["content_sha256"] else "pending_review"
            report.pending_review += row["state"] == "pending_review"
        if old is None:
            report.created += 1
        elif old.scheduled_at != item.scheduled_at:  # both aware (UTCDateTime): instants compared
            report.rescheduled += 1
        else:
            report.unchanged += 1
        rows.append(row)
    for stale in existing.values():  # content that left the calendar is parked, never published
        if stale.state in ("pending_review", "scheduled"):
            stale.state, stale.scheduled_at = "draft", None
            report.unplanned += 1
    upsert_posts(session, rows)
    record_decisions(session, brand, decisions)
    return report


class ReviewError(ValueError):
    """A review action on a post that does not exist or is not waiting for it."""


def _existing(session: Session, post_id: int) -> SocialPost:
    post = session.get(SocialPost, post_id)
    if post is None:
        raise ReviewError(f"post {post_id} does not exist")
    return post


def decide(
    session: Session, post_id: int, decision: str, reviewer: str, note: str | None = None
) -> SocialPost:
    """Approve or reject one post; the approval is tied to the content hash the reviewer saw."""
    post = _existing(session, post_id)
    if decision not in ("approved", "rejected"):
        raise ReviewError(f"decision {decision!r}: expected 'approved' or 'rejected'")
    if post.state not in ("pending_review", "draft", "scheduled"):
        raise ReviewError(f"post {post_id} is {post.state}; only posts not yet sent can be reviewed")
    if decision == "rejected" and not note:
        raise ReviewError(f"post {post_id}: a rejection needs a --note saying why")
    if decision == "approved":
        post.approved_sha256 = post.content_sha256
        if post.state == "pending_review":
            post.state = "scheduled"
    else:
        post.approved_sha256 = None
        post.state = "rejected"
    add_decision(session, post, decision, reviewer, note)
    return post


UNSENT = ("draft", "pending_review", "scheduled")


def reschedule_post(session: Session, post_id: int, at: datetime, by: str = "system") -> SocialPost:
    """Move a post not yet sent to `at` (aware); the caller has checked the brand's windows. The move
    is recorded (`rescheduled`), so the next calendar run keeps the person's time."""
    post = _existing(session, post_id)
    if post.state not in UNSENT:
        raise ReviewError(f"post {post_id} is {post.state}; only posts not yet sent can be rescheduled")
    if at.tzinfo is None:
        raise ReviewError(f"post {post_id}: {at} has no time zone")
    post.scheduled_at = at.astimezone(UTC)
    if post.state == "draft":
        post.state = "scheduled" if post.approved_sha256 == post.content_sha256 else "pending_review"
    add_decision(session, post, "rescheduled", by, f"{post.scheduled_at:%Y-%m-%d %H:%M} UTC")
    return post


def edit_post(session: Session, post_id: int, body: str, editor: str | None = None) -> SocialPost:
    """Change a post's text; any approval is voided and the post waits for review again. With an
    `editor`, the edit is recorded (`edited`), so the next calendar run keeps the person's text."""
    post = session.get(SocialPost, post_id)
    if post is None or post.state not in PLANNABLE:
        raise ReviewError(
            f"post {post_id} cannot be edited (missing or already {getattr(post, 'state', '-')})"
        )
    payload = dict(post.payload or {})
    payload["fields"] = {**payload.get("fields", {}), "text": body}
    post.body, post.payload = body, payload
    post.content_sha256 = content_hash(body, payload, post.media_keys or [], post.link_url)
    if post.approved_sha256 and post.approved_sha256 != post.content_sha256:
        add_decision(session, post, "voided", "system", "edited after approval")
        post.approved_sha256 = None
    if editor:
        add_decision(session, post, "edited", editor, None)
    if post.state == "scheduled":
        post.state = "pending_review"
    return post


def deliver(
    publisher: Publisher,
    post: OutgoingPost,
    *,
    max_attempts: int = 4,
    max_wait: float = 60.0,
    base_delay: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishResult:
    """Publish once. 429 waits as asked (unless longer than `max_wait`); a timeout or 5xx looks on
    the platform before trying again (the platform may have taken the post) and backs off
    exponentially; other 4xx fail at once, as does a post the platform accepted but has not
    confirmed. On tenacity; the last failure is raised when the attempts run out."""

    def attempt() -> PublishResult:
        try:
            return publisher.publish(post)
        except AcceptedUnconfirmed:
            raise
        except AmbiguousPublish:
            found = publisher.find(post, since=None)
            if found is not None:
                return found
            raise

    def again(exc: BaseException) -> bool:
        return isinstance(exc, RateLimited | AmbiguousPublish) and not isinstance(exc, AcceptedUnconfirmed)

    def failure(retry_state: tenacity.RetryCallState) -> BaseException | None:
        return retry_state.outcome.exception() if retry_state.outcome else None

    def wait(retry_state: tenacity.RetryCallState) -> float:
        exc = failure(retry_state)
        if isinstance(exc, RateLimited):
            return exc.wait
        return base_delay * 2 ** (retry_state.attempt_number - 1)

    def too_long(retry_state: tenacity.RetryCallState) -> bool:
        exc = failure(retry_state)
        return isinstance(exc, RateLimited) and exc.wait > max_wait

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(again),
        wait=wait,
        stop=tenacity.stop_after_attempt(max_attempts) | too_long,
        sleep=sleep,
        reraise=True,
    )
    return retrying(attempt)


@dataclass
class DispatchReport:
    """One publish tick: posts published, failed, put back in the queue or left for the reconciler."""

    published: int = 0
    failed: int = 0
    requeued: int = 0
    left_for_reconciler: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    by_platform: dict[str, int] = field(default_factory=dict)


def dispatch_due(
    warehouse: Warehouse,
    publisher_for: Callable[[str], Publisher],
    now: datetime | None = None,
    *,
    platforms: Sequence[str] | None = None,
    batch: int = 200,
    max_posts: int | None = None,
    lookahead: timedelta = timedelta(0),
    sleep: Callable[[float], None] = time.sleep,
    min_interval: Mapping[str, float] | None = None,
    brand: str | None = None,
) -> DispatchReport:
    """One tick: claim posts due by `now + lookahead` in batches and deliver each exactly once.
    Network platforms should claim one post at a time (`batch=1`): a crash then strands one post.
    `min_interval` spaces creates per platform (TikTok allows 6 requests a minute: 10 s)."""
    started = time.perf_counter()
    report = DispatchReport()
    due_before = (now or datetime.now(UTC)) + lookahead
    handled = 0
    last_sent: dict[str, float] = {}
    while max_posts is None or handled < max_posts:
        with warehouse.session() as session:  # the claim is committed before any platform call
            posts = claim_due(
                session,
                due_before,
                platforms=platforms,
                brand=brand,
                limit=min(batch, max_posts - handled) if max_posts else batch,
            )
        if not posts:
            break
        handled += len(posts)
        done: list[tuple[int, PublishResult]] = []
        failed: list[tuple[int, str]] = []
        requeue: list[tuple[int, str, datetime]] = []
        for post in posts:
            publisher = publisher_for(post.platform)
            interval = (min_interval or {}).get(post.platform)
            if interval and post.platform in last_sent:
                wait = last_sent[post.platform] + interval - time.monotonic()
                if wait > 0:
                    sleep(wait)
            last_sent[post.platform] = time.monotonic()
            try:
                done.append((post.id, deliver(publisher, post, sleep=sleep)))
                report.by_platform[post.platform] = report.by_platform.get(post.platform, 0) + 1
            except RateLimited as exc:
                # past this tick's window, so the same tick does not take it again
                requeue.append((post.id, str(exc), due_before + timedelta(seconds=exc.wait)))
            except AmbiguousPublish as exc:
                report.left_for_reconciler += 1
                report.errors.append(str(exc))
            except (PublishRejected, PublishError) as exc:
                failed.append((post.id, str(exc)))
                report.errors.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - an answer we did not expect: it may have gone out
                report.left_for_reconciler += 1
                report.errors.append(f"{post.platform}: unexpected {type(exc).__name__}: {exc}"[:500])
            if len(done) + len(failed) + len(requeue) >= publisher.flush_every:
                with warehouse.session() as session:
                    record_outcomes(session, datetime.now(UTC), done, failed, requeue)
                report.published += len(done)
                report.failed += len(failed)
                report.requeued += len(requeue)
                done, failed, requeue = [], [], []
        with warehouse.session() as session:
            record_outcomes(session, datetime.now(UTC), done, failed, requeue)
        report.published += len(done)
        report.failed += len(failed)
        report.requeued += len(requeue)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class ReconcileReport:
    """Stuck posts found on the platform, requeued or failed; published posts still live or missing."""

    checked: int = 0
    found: int = 0
    requeued: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    verified: int = 0
    missing: int = 0


def reconcile(
    warehouse: Warehouse,
    publisher_for: Callable[[str], Publisher],
    now: datetime | None = None,
    *,
    grace: timedelta = timedelta(minutes=10),
    max_attempts: int = 3,
    limit: int = 500,
    brand: str | None = None,
) -> ReconcileReport:
    """Resolve posts left in `publishing` longer than `grace`: found on the platform → published;
    not found → due again (once per stuck attempt), or failed after `max_attempts` claims."""
    now = now or datetime.now(UTC)
    report = ReconcileReport()
    with warehouse.session() as session:
        stuck = stuck_posts(session, now - grace, brand=brand, limit=limit)
    for post, started, attempts in stuck:
        report.checked += 1
        try:
            found = publisher_for(post.platform).find(
                post, since=started - timedelta(minutes=5) if started else None
            )
        except PublishError as exc:  # the platform could not be asked: look again next time
            report.errors.append(str(exc))
            continue
        with warehouse.session() as session:
            if found is not None:
                values: dict[str, Any] = {
                    "state": "published",
                    "platform_post_id": found.post_id,
                    "platform_url": found.url,
                    "published_at": now,
                    "last_error": "recovered by the reconciler",
                }
                report.found += 1
            elif attempts >= max_attempts:
                values = {
                    "state": "failed",
                    "last_error": f"not on {post.platform} after {attempts} attempts",
                }
                report.failed += 1
            else:
                # back of the queue: a post that keeps killing its worker must not block the others
                values = {
                    "state": "scheduled",
                    "scheduled_at": now,
                    "last_error": f"not on {post.platform} after {grace}: retrying",
                }
                report.requeued += 1
            resolve_claim(session, post.id, started, values)
    return report


def verify_published(
    warehouse: Warehouse,
    publisher_for: Callable[[str], Publisher],
    now: datetime | None = None,
    *,
    every: timedelta = timedelta(hours=24),
    limit: int = 50,
    brand: str | None = None,
) -> ReconcileReport:
    """Check that published posts are still live; record when they were last seen."""
    now = now or datetime.now(UTC)
    report = ReconcileReport()
    with warehouse.session() as session:
        for post in posts_to_verify(session, now - every, brand=brand, limit=limit):
            try:
                live = publisher_for(post.platform).verify(post.platform_post_id or "", post.platform_url)
            except PublishError as exc:
                report.errors.append(str(exc))
                continue
            if live:
                post.verified_at, post.last_error = now, None
                report.verified += 1
            else:
                post.last_error = f"not live on {post.platform} at {now:%Y-%m-%d %H:%M} UTC"
                report.missing += 1
    return report


def retry_post(session: Session, post_id: int, now: datetime) -> SocialPost:
    post = _existing(session, post_id)
    if post.state not in ("failed", "cancelled"):
        raise ReviewError(f"post {post_id} is {post.state}; only failed or cancelled posts can be retried")
    post.state, post.scheduled_at, post.last_error = "scheduled", now, None
    if post.approved_sha256 != post.content_sha256:
        post.state = "pending_review"
    return post


def cancel_post(session: Session, post_id: int) -> SocialPost:
    post = _existing(session, post_id)
    if post.state in ("publishing", "published"):
        raise ReviewError(f"post {post_id} is {post.state}; it can no longer be cancelled")
    post.state = "cancelled"
    return post
