"""The publishing domain's warehouse queries and upserts, typed on the ORM models.

What the publishing assets read (promotable pages and passed videos, campaigns, learned posting
times, the review queue, the calendar's posts) and write (campaign links, posts, review decisions,
the content registry's records), and the publish queue's own statements: claiming due posts,
recording outcomes, finding and resolving stuck claims. Every function runs in the caller's session,
so the caller decides what commits together (a claim commits before any platform call).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from marketing_engine.publishing.outgoing import OutgoingPost, PublishResult
from marketing_engine.publishing.platforms import Draft
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import (
    BanditAllocation,
    Base,
    Campaign,
    CampaignContent,
    CampaignMemory,
    ProgrammaticPage,
    ReviewDecision,
    SocialPost,
    VideoAsset,
)
from marketing_engine.warehouse.registry import RegistryReport, record_content, stored_record

MAX_PAGES = 20  # the best pages per run; the rest wait for the next calendar
PROMOTABLE_PAGES = ("published", "approved", "ready", "live", "passed")
PASSED_VIDEOS = ("passed", "pass", "ok")
QUEUED = ("pending_review", "scheduled")
POST_KEY = ["brand", "platform", "content_ref", "variant"]
PAGE_COLUMNS = ("slug", "title", "keyword", "meta_description", "published_url", "canonical_url")
EVENT_COLUMNS = ("idempotency_key", "scheduled_at", "platform", "arc_step", "body", "link_url", "state")
VIDEO_COLUMNS = ("topic", "length_s", "media_key", "sha256", "duration_s", "width", "height", "rendition")


def _columns(model: type[Base], names: Iterable[str]) -> list[Any]:
    return [getattr(model, name) for name in names]


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(query).mappings()]


# -- what the copy is written from ------------------------------------------------------------------
def promotable_content(session: Session, brand: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The brand's best promotable pages (published or passed, best quality first, `MAX_PAGES` at
    most) and its rendered videos that passed their gates, as plain rows."""
    pages = (
        select(*_columns(ProgrammaticPage, PAGE_COLUMNS))
        .where(
            ProgrammaticPage.brand == brand,
            or_(ProgrammaticPage.status.in_(PROMOTABLE_PAGES), ProgrammaticPage.published_url.is_not(None)),
        )
        .order_by(ProgrammaticPage.quality_score.desc().nulls_last(), ProgrammaticPage.id)
        .limit(MAX_PAGES)
    )
    videos = (
        select(*_columns(VideoAsset, VIDEO_COLUMNS))
        .where(VideoAsset.brand == brand, VideoAsset.gate_status.in_(PASSED_VIDEOS))
        .order_by(VideoAsset.id)
    )
    return _rows(session, pages), _rows(session, videos)


def campaign_keys(session: Session, brand: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(product, channel) → (campaign id, utm_campaign) for the brand's campaigns."""
    query = select(Campaign.product, Campaign.channel, Campaign.id, Campaign.utm_campaign).where(
        Campaign.brand == brand
    )
    return {(product, channel): (cid, utm) for product, channel, cid, utm in session.execute(query)}


def link_campaign_contents(session: Session, links: Sequence[Mapping[str, Any]]) -> int:
    """Upsert `campaign_contents` rows: which content each campaign promotes on which platform."""
    return upsert(
        session, CampaignContent, links, keys=["campaign_id", "content_type", "content_ref", "platform"]
    )


def posting_time_findings(session: Session, brand: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What analytics learned about posting times: the bandit's shares per arm, then the hour
    findings in campaign memory."""
    bandits = select(
        BanditAllocation.platform, BanditAllocation.dimension, BanditAllocation.arm, BanditAllocation.share
    ).where(BanditAllocation.brand == brand, BanditAllocation.dimension == "posting_time")
    memory = select(
        CampaignMemory.platform, CampaignMemory.dimension, CampaignMemory.finding_key, CampaignMemory.effect
    ).where(CampaignMemory.brand == brand, CampaignMemory.dimension == "posting_time")
    return _rows(session, bandits), _rows(session, memory)


# -- the calendar's posts ---------------------------------------------------------------------------
def posts_by_key(session: Session, brand: str) -> dict[tuple[str, str, str], SocialPost]:
    """The brand's posts by (platform, content_ref, variant), locked until the caller commits on
    PostgreSQL: a publish worker's claim (`FOR UPDATE SKIP LOCKED`) passes them by meanwhile, and a
    claim that got there first is waited for and read as it now stands, so planning never writes
    `scheduled` or `draft` over a post that is being published. (SQLite has one writer at a time.)"""
    query = (
        select(SocialPost)
        .where(SocialPost.brand == brand)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {(p.platform, p.content_ref, p.variant): p for p in session.scalars(query)}


def upsert_posts(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    return upsert(session, SocialPost, rows, keys=POST_KEY)


def calendar_events(session: Session, brand: str) -> list[dict[str, Any]]:
    """Every scheduled post of the brand, soonest first, as the .ics export and the preview read it."""
    query = (
        select(*_columns(SocialPost, EVENT_COLUMNS))
        .where(SocialPost.brand == brand, SocialPost.scheduled_at.is_not(None))
        .order_by(SocialPost.scheduled_at)
    )
    return _rows(session, query)


def _posts_in(
    session: Session, brand: str, states: Iterable[str], order: Sequence[Any], limit: int | None = None
) -> list[SocialPost]:
    query = select(SocialPost).where(SocialPost.brand == brand, SocialPost.state.in_(list(states)))
    return list(session.scalars(query.order_by(*order).limit(limit)))


def review_queue(
    session: Session, brand: str
) -> tuple[list[SocialPost], list[SocialPost], list[ReviewDecision]]:
    """What waits for a person (soonest first), what the claims gate held, and the latest 20 decisions."""
    pending = _posts_in(session, brand, ["pending_review"], (SocialPost.scheduled_at, SocialPost.id), 200)
    held = _posts_in(session, brand, ["held"], (SocialPost.id,), 200)
    decisions = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.brand == brand)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(20)
    )
    return pending, held, list(decisions)


def approved_upcoming(session: Session, brand: str, limit: int = 100) -> list[SocialPost]:
    """Approved posts waiting for their time (soonest first): still editable, which voids the approval."""
    return _posts_in(session, brand, ["scheduled"], (SocialPost.scheduled_at, SocialPost.id), limit)


def queued_drafts(session: Session, brand: str) -> dict[int, Draft]:
    """Post id → the draft as queued (pending review or scheduled), for the checks that re-read it."""
    drafts = {}
    for post in _posts_in(session, brand, QUEUED, (SocialPost.id,)):
        payload = post.payload or {}
        fields = payload.get("fields") or {"text": post.body}
        media = payload.get("media") or []
        parts = payload.get("parts") or []
        drafts[post.id] = Draft(post.platform, post.content_ref, post.variant, fields, parts, media)
    return drafts


def register_posts(
    session: Session, brand: str, put_json: Callable[[bytes], Any], run_id: str
) -> RegistryReport:
    """Every post of the brand as a content asset: its text and fields as JSON (stored by `put_json`,
    which returns the media store's object), with the run that made it."""
    records = []
    for post in session.scalars(select(SocialPost).where(SocialPost.brand == brand).order_by(SocialPost.id)):
        content = {
            "platform": post.platform,
            "content_ref": post.content_ref,
            "variant": post.variant,
            "body": post.body,
            "payload": post.payload or {},
            "link_url": post.link_url,
            "media_keys": post.media_keys or [],
        }
        stored = put_json(json.dumps(content, sort_keys=True, ensure_ascii=False).encode())
        provenance = {
            "asset": "content_calendar",
            "run_id": run_id,
            "platform": post.platform,
            "content_ref": post.content_ref,
            "campaign": post.campaign,
        }
        records.append(stored_record("post", post.idempotency_key, stored, provenance))
    return record_content(session, brand, records)


# -- review decisions -------------------------------------------------------------------------------
def add_decision(session: Session, post: SocialPost, decision: str, reviewer: str, note: str | None) -> None:
    """One review decision on a post, tied to the content hash it has now."""
    session.add(
        ReviewDecision(
            brand=post.brand,
            post_id=post.id,
            decision=decision,
            reviewer=reviewer,
            note=note,
            content_sha256=post.content_sha256 or "",
        )
    )


def person_changes(session: Session, brand: str) -> dict[int, set[str]]:
    """Post id → what people changed by hand ({"edited", "rescheduled"}), from the decisions."""
    found: dict[int, set[str]] = {}
    query = select(ReviewDecision.post_id, ReviewDecision.decision).where(
        ReviewDecision.brand == brand, ReviewDecision.decision.in_(["edited", "rescheduled"])
    )
    for post_id, decision in session.execute(query.distinct()):
        found.setdefault(post_id, set()).add(decision)
    return found


def record_decisions(session: Session, brand: str, decisions: Iterable[tuple[dict, str, str, str]]) -> None:
    """Decisions on posts just upserted, each given as (its row, decision, reviewer, note)."""
    decisions = list(decisions)
    if not decisions:
        return
    keys = [row["idempotency_key"] for row, *_ in decisions]
    ids = dict(
        session.execute(
            select(SocialPost.idempotency_key, SocialPost.id).where(SocialPost.idempotency_key.in_(keys))
        ).all()
    )
    session.add_all(
        ReviewDecision(
            brand=brand,
            post_id=ids[row["idempotency_key"]],
            decision=decision,
            reviewer=who,
            note=note,
            content_sha256=row["content_sha256"],
        )
        for row, decision, who, note in decisions
    )


# -- the publish queue ------------------------------------------------------------------------------
def outgoing(post: SocialPost) -> OutgoingPost:
    return OutgoingPost(
        id=post.id,
        platform=post.platform,
        idempotency_key=post.idempotency_key,
        body=post.body,
        payload=dict(post.payload or {}),
        media_keys=tuple(post.media_keys or ()),
        link_url=post.link_url,
        content_sha256=post.content_sha256 or "",
    )


def anything_due(session: Session, due_before: datetime) -> bool:
    """Whether any approved post is due before `due_before` (what `claim_due` would take first)."""
    query = select(SocialPost.id).where(
        SocialPost.state == "scheduled",
        SocialPost.scheduled_at <= due_before,
        SocialPost.approved_sha256 == SocialPost.content_sha256,
    )
    return session.execute(query.limit(1)).first() is not None


def claim_due(
    session: Session,
    due_before: datetime,
    *,
    platforms: Sequence[str] | None = None,
    limit: int = 100,
    claimed_at: datetime | None = None,
    brand: str | None = None,
) -> list[OutgoingPost]:
    """Take up to `limit` approved posts due before `due_before` and mark them `publishing`
    (the caller commits). Two workers never claim the same row: `FOR UPDATE SKIP LOCKED` on
    PostgreSQL, a conditional update under SQLite's single writer."""
    now = claimed_at or datetime.now(UTC)
    query = (
        select(SocialPost)
        .where(
            SocialPost.state == "scheduled",
            SocialPost.scheduled_at <= due_before,
            SocialPost.approved_sha256 == SocialPost.content_sha256,
        )
        .order_by(SocialPost.scheduled_at, SocialPost.id)
        .limit(limit)
    )
    if platforms:
        query = query.where(SocialPost.platform.in_(list(platforms)))
    if brand:
        query = query.where(SocialPost.brand == brand)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update(skip_locked=True)
    posts = list(session.scalars(query))
    if not posts:
        return []
    claimed = [p.id for p in posts]
    claim = {
        "state": "publishing",
        "attempts": SocialPost.attempts + 1,
        "publishing_started_at": now,
        "last_error": None,
    }
    if postgres:  # the rows are locked by us: one UPDATE for the whole batch
        session.execute(update(SocialPost).where(SocialPost.id.in_(claimed)).values(**claim))
    else:  # SQLite: one writer; a row another process claimed first no longer says `scheduled`
        claimed = [
            p.id
            for p in posts
            if session.execute(
                update(SocialPost)
                .where(SocialPost.id == p.id, SocialPost.state == "scheduled")
                .values(**claim)
            ).rowcount
            == 1
        ]
    session.expire_all()
    query = (
        select(SocialPost).where(SocialPost.id.in_(claimed)).order_by(SocialPost.scheduled_at, SocialPost.id)
    )
    return [outgoing(p) for p in session.scalars(query)]


def record_outcomes(
    session: Session,
    now: datetime,
    done: Sequence[tuple[int, PublishResult]],
    failed: Sequence[tuple[int, str]],
    requeue: Sequence[tuple[int, str, datetime]],
) -> None:
    """Write what a batch of deliveries came to: published (with the platform's id and URL), failed
    (with why), or not sent at all and due again at the given time (one executemany each)."""
    published = [
        {"id": pid, "state": "published", "platform_post_id": r.post_id, "platform_url": r.url}
        | {"published_at": now, "last_error": None}
        for pid, r in done
    ]
    failures = [{"id": pid, "state": "failed", "last_error": why[:2000]} for pid, why in failed]
    due_again = [
        {"id": pid, "state": "scheduled", "scheduled_at": when, "last_error": why[:2000]}
        for pid, why, when in requeue
    ]
    for rows in (published, failures, due_again):
        if rows:
            session.execute(update(SocialPost), rows)


def stuck_posts(
    session: Session, started_before: datetime, *, brand: str | None = None, limit: int = 500
) -> list[tuple[OutgoingPost, datetime | None, int]]:
    """Posts left in `publishing` since before `started_before`: (post, claim time, attempts)."""
    query = select(SocialPost).where(
        SocialPost.state == "publishing", SocialPost.publishing_started_at <= started_before
    )
    if brand:
        query = query.where(SocialPost.brand == brand)
    return [
        (outgoing(p), p.publishing_started_at, p.attempts)
        for p in session.scalars(query.order_by(SocialPost.id).limit(limit))
    ]


def resolve_claim(session: Session, post_id: int, started: datetime | None, values: Mapping[str, Any]) -> int:
    """Update a stuck post only if it is still the same claim (no worker has moved it since)."""
    same_claim = (
        SocialPost.id == post_id,
        SocialPost.state == "publishing",
        SocialPost.publishing_started_at == started,
    )
    return session.execute(update(SocialPost).where(*same_claim).values(**values)).rowcount


def posts_to_verify(
    session: Session, seen_before: datetime, *, brand: str | None = None, limit: int = 50
) -> list[SocialPost]:
    """Published posts not checked live since `seen_before`, never-checked first."""
    query = select(SocialPost).where(
        SocialPost.state == "published",
        SocialPost.verified_at.is_(None) | (SocialPost.verified_at <= seen_before),
    )
    if brand:
        query = query.where(SocialPost.brand == brand)
    return list(
        session.scalars(query.order_by(SocialPost.verified_at.nulls_first(), SocialPost.id).limit(limit))
    )
