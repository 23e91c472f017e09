"""The publishing group: social copy for every page, video and product; the content calendar (with
review, quotas and an .ics export); and one publish asset per platform, each in its own
concurrency pool, that the `publish_due_posts` schedule runs every five minutes."""

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from sqlalchemy import or_, select

from marketing_engine.assets.automation import (
    PUBLISHED_POSTS_FRESHNESS,
    WAREHOUSE,
    after_upstream,
    calls,
    owners,
)
from marketing_engine.assets.common import markdown_table
from marketing_engine.brand import BrandProfile
from marketing_engine.files import write_text
from marketing_engine.publishing.calendar import (
    BrandWindows,
    LearnedTimes,
    PlannedPost,
    bandit_scores,
    calendar_start,
    learned_scores,
    plan,
    platform_slots,
    write_ics,
)
from marketing_engine.publishing.copy import (
    ContentSource,
    Pitch,
    brand_evidence,
    drafts_for_source,
    gate_drafts,
    pitch_inputs,
    post_text,
    product_for,
    publishable_platforms,
    sources_from_rows,
)
from marketing_engine.publishing.platforms import Draft, registry, validate, validate_draft
from marketing_engine.publishing.queue import dispatch_due, sync_calendar
from marketing_engine.publishing.workflow import sync_campaign_workflows
from marketing_engine.resources.brand import BrandResource
from marketing_engine.llm import LLMRequest, batch_custom_id, total_usage
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.publishers import PublishersResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir, publishing_blocked
from marketing_engine.warehouse import upsert
from marketing_engine.warehouse.models import (
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
HORIZON_DAYS = 14
PROMOTABLE_PAGES = ("published", "approved", "ready", "live", "passed")
PASSED_VIDEOS = ("passed", "pass", "ok")


def _sources(profile: BrandProfile, session) -> list[ContentSource]:
    slug = profile.slug
    pages = session.scalars(
        select(ProgrammaticPage)
        .where(
            ProgrammaticPage.brand == slug,
            or_(ProgrammaticPage.status.in_(PROMOTABLE_PAGES), ProgrammaticPage.published_url.is_not(None)),
        )
        .order_by(ProgrammaticPage.quality_score.desc().nulls_last(), ProgrammaticPage.id)
        .limit(MAX_PAGES)
    )
    videos = session.scalars(
        select(VideoAsset).where(VideoAsset.brand == slug, VideoAsset.gate_status.in_(PASSED_VIDEOS))
    )
    page_rows = [
        {
            c: getattr(p, c)
            for c in ("slug", "title", "keyword", "meta_description", "published_url", "canonical_url")
        }
        for p in pages
    ]
    video_rows = [
        {
            c: getattr(v, c)
            for c in (
                "topic",
                "length_s",
                "media_key",
                "sha256",
                "duration_s",
                "width",
                "height",
                "rendition",
            )
        }
        for v in videos
    ]
    return sources_from_rows(
        profile.site_url,
        page_rows,
        video_rows,
        [p.model_dump() for p in profile.products],
        profile.language,
        [*profile.seed_topics, *(page["keyword"] for page in page_rows)],
    )


GROUP = "publishing"


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE, "anthropic"},
    code_version="1",
    deps=["campaigns", "static_site", "published_pages", "rendered_videos"],
    automation_condition=after_upstream(),
    **calls("anthropic"),
    description="Per-platform copy (X thread, LinkedIn, Reddit, captions, YouTube, Pinterest) for every "
    "promotable page, rendered video and product, in the brand's language, with UTM parameters on every "
    "link; the claims gate holds any post that states what the brand file does not.",
)
def social_copy(
    context: AssetExecutionContext, brand: BrandResource, warehouse: WarehouseResource, llm: LLMResource
) -> list[Draft]:
    started = time.perf_counter()
    profile = brand.load()
    slug = profile.slug
    platforms = publishable_platforms(profile.enabled_channels)
    communities = profile.channels["reddit"].communities if "reddit" in profile.channels else []
    with warehouse.get().session() as session:
        sources = _sources(profile, session)
        campaigns = {
            (c.product, c.channel): c for c in session.scalars(select(Campaign).where(Campaign.brand == slug))
        }
    requests = [
        LLMRequest(
            task="social_pitch",
            prompt=f"Write a social pitch for: {s.title}\n{s.summary}",
            inputs=pitch_inputs(s, profile),
            system=profile.llm_context("social posts"),
            max_tokens=600,
            custom_id=batch_custom_id(s.ref),
        )
        for s in sources
    ]
    results = llm.generate_many(requests, schema=Pitch)
    drafts: list[Draft] = []
    links: list[dict] = []
    for source, result in zip(sources, results, strict=True):
        product = product_for(source, profile)
        for platform_name in platforms:
            campaign = campaigns.get((product, platform_name)) if product else None
            utm = campaign.utm_campaign if campaign else f"{slug}-organic"
            made = drafts_for_source(
                source,
                result.data,
                [platform_name],
                campaign=utm,
                communities=communities,
                language=profile.language,
            )
            drafts += made
            if campaign and made:
                links.append(
                    {
                        "campaign_id": campaign.id,
                        "content_type": source.kind,
                        "content_ref": source.ref,
                        "platform": platform_name,
                        "title": source.title[:500],
                        "status": "drafted",
                    }
                )
    with warehouse.get().session() as session:
        upsert(
            session, CampaignContent, links, keys=["campaign_id", "content_type", "content_ref", "platform"]
        )
    gate = gate_drafts(drafts, {s.ref: s for s in sources}, profile)
    for draft in drafts:
        if draft.hold_reason:
            context.log.warning(
                f"held {draft.platform} {draft.content_ref} {draft.variant}: {draft.hold_reason}"
            )
    per_platform = Counter(d.platform for d in drafts)
    context.add_output_metadata(
        {
            **gate.as_metadata(),
            "sources": len(sources),
            "by_kind": MetadataValue.json(dict(Counter(s.kind for s in sources))),
            "drafts": len(drafts),
            "by_platform": MetadataValue.json(dict(per_platform)),
            "campaign_links": len(links),
            "preview": markdown_table(
                [
                    {
                        "platform": d.platform,
                        "variant": d.variant,
                        "arc": d.arc_step,
                        "gate": "held" if d.hold_reason else "passed",
                        "text": d.body,
                        "link": d.link_url or "",
                    }
                    for d in drafts
                ],
                ["platform", "variant", "arc", "gate", "text", "link"],
            ),
            "seconds": round(time.perf_counter() - started, 2),
            **total_usage(results).as_metadata(),
        }
    )
    return drafts


def _rules_check(violations: list[str], **counts: int) -> AssetCheckResult:
    """A blocking platform-rules check: fails on any violation and shows the first 20."""
    return AssetCheckResult(
        passed=not violations,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            **counts,
            "violations": len(violations),
            "first": MetadataValue.text("\n".join(violations[:20]) or "none"),
        },
    )


@asset_check(
    asset=social_copy,
    blocking=True,
    description="No draft breaks its platform's rules (length by the platform's counter, hashtags, media).",
)
def social_copy_within_platform_rules(social_copy: list[Draft]) -> AssetCheckResult:
    violations = [str(v) for d in social_copy for v in validate_draft(d)]
    return _rules_check(violations, drafts=len(social_copy))


def _optimizer(session, slug: str):
    """Learned best times: analytics' posting-time bandit shares (if that table exists), then hour
    findings in campaign memory; platforms with neither keep the brand's windows."""
    scores: dict = {}
    bandits = Base.metadata.tables.get("bandit_allocations")
    if bandits is not None:
        rows = session.execute(select(bandits).where(bandits.c.brand == slug)).mappings().all()
        scores.update(bandit_scores(rows))
    rows = [
        {"platform": m.platform, "dimension": m.dimension, "finding_key": m.finding_key, "effect": m.effect}
        for m in session.scalars(
            select(CampaignMemory).where(
                CampaignMemory.brand == slug, CampaignMemory.dimension == "posting_time"
            )
        )
    ]
    for platform_name, hours in learned_scores(rows).items():
        scores.setdefault(platform_name, hours)
    return (LearnedTimes(scores) if scores else BrandWindows()), sorted(scores)


def _review_report(slug: str, session) -> tuple[str, str]:
    """The review section: what waits for a person, and the latest decisions with who, when, hash."""
    pending = list(
        session.scalars(
            select(SocialPost)
            .where(SocialPost.brand == slug, SocialPost.state == "pending_review")
            .order_by(SocialPost.scheduled_at)
            .limit(200)
        )
    )
    path = home_dir("reports") / "review_queue.md"
    lines = [
        f"# Review queue — {len(pending)} posts waiting",
        "",
        "Approve with `marketing-engine review approve ID`, reject with `review reject ID --note WHY`.",
        "",
        "| id | platform | scheduled (UTC) | text |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {p.id} | {p.platform} | {p.scheduled_at:%Y-%m-%d %H:%M} | {' '.join(p.body.split())[:90]} |"
        for p in pending
        if p.scheduled_at
    ]
    held = list(
        session.scalars(
            select(SocialPost)
            .where(SocialPost.brand == slug, SocialPost.state == "held")
            .order_by(SocialPost.id)
            .limit(200)
        )
    )
    lines += [
        "",
        f"## Held by the claims gate — {len(held)} posts",
        "",
        (
            "A held post is never queued: it states something the brand file does not hold. Add the fact "
            "to the brand file (with its source) or let the copy be rewritten; the next run checks it again."
        ),
        "",
        "| id | platform | text | reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {p.id} | {p.platform} | {' '.join(p.body.split())[:90]} | {(p.last_error or '').replace('|', '/')[:200]} |"
        for p in held
    ]
    decisions = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.brand == slug)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(20)
    )
    lines += [
        "",
        "## Latest decisions",
        "",
        "| post | decision | by | when (UTC) | content sha256 | note |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {d.post_id} | {d.decision} | {d.reviewer} | {d.decided_at:%Y-%m-%d %H:%M} | "
        f"{d.content_sha256[:12]} | {d.note or ''} |"
        for d in decisions
    ]
    text = "\n".join(lines) + "\n"
    write_text(path, text)
    return str(path), text


@asset(
    group_name=GROUP,
    owners=owners(GROUP),
    kinds={"python", WAREHOUSE},
    code_version="1",
    automation_condition=after_upstream(),
    description="The content calendar: hook → nurture → convert arcs, slots per platform from the brand's "
    "windows (time-zone aware, DST-safe, quotas), review states, and an .ics export.",
)
def content_calendar(
    context: AssetExecutionContext,
    social_copy: list[Draft],
    brand: BrandResource,
    warehouse: WarehouseResource,
    media_store: MediaStoreResource,
) -> MaterializeResult:
    profile = brand.load()
    slug = profile.slug
    now = datetime.now(UTC)
    platforms = sorted({d.platform for d in social_copy})
    with warehouse.get().session() as session:
        optimizer, learned = _optimizer(session, slug)
        slots = {
            p: platform_slots(profile, p, calendar_start(profile, now), HORIZON_DAYS, optimizer)
            for p in platforms
        }
        held = [d for d in social_copy if d.hold_reason]
        planned = plan([d for d in social_copy if not d.hold_reason], slots)
        planned += [PlannedPost(d, None) for d in held]
        report = sync_calendar(session, slug, planned, approval_required=profile.approval.required)
    with warehouse.get().session() as session:
        posts = list(
            session.scalars(
                select(SocialPost)
                .where(SocialPost.brand == slug, SocialPost.scheduled_at.is_not(None))
                .order_by(SocialPost.scheduled_at)
            )
        )
        events = [
            {
                "idempotency_key": p.idempotency_key,
                "scheduled_at": p.scheduled_at,
                "platform": p.platform,
                "arc_step": p.arc_step,
                "body": p.body,
                "link_url": p.link_url,
                "state": p.state,
            }
            for p in posts
        ]
        review_path, review_text = _review_report(slug, session)
        registered = _register_posts(session, slug, media_store, context.run_id)
        stages = sync_campaign_workflows(session, slug, context.run_id)
    ics = home_dir("calendar") / f"{slug}.ics"
    write_ics(ics, profile.name, profile.domain, events, profile.audience.timezone)
    states = Counter(e["state"] for e in events)
    return MaterializeResult(
        metadata={
            "posts": len(planned),
            "held_by_claims_gate": len(held),
            **{f"sync_{k}": v for k, v in vars(report).items()},
            **registered.as_metadata(),
            "campaign_stages": MetadataValue.json(stages),
            "states": MetadataValue.json(dict(states)),
            "by_platform": MetadataValue.json(dict(Counter(e["platform"] for e in events))),
            "learned_times_for": MetadataValue.text(", ".join(learned) or "none (brand windows)"),
            "approval_required": profile.approval.required,
            "ics": MetadataValue.path(str(ics)),
            "review_queue": MetadataValue.path(review_path),
            "review": MetadataValue.md(review_text[:4000]),
            "preview": markdown_table(
                [{**e, "when": e["scheduled_at"].strftime("%a %d %H:%M")} for e in events],
                ["when", "platform", "arc_step", "state", "body"],
            ),
        }
    )


@asset_check(
    asset=content_calendar,
    blocking=True,
    description="Every queued post (pending review or scheduled) is within its platform's rules.",
)
def queued_posts_within_platform_rules(
    brand: BrandResource, warehouse: WarehouseResource
) -> AssetCheckResult:
    slug = brand.load().slug
    with warehouse.get().session() as session:
        posts = list(
            session.scalars(
                select(SocialPost).where(
                    SocialPost.brand == slug, SocialPost.state.in_(("pending_review", "scheduled"))
                )
            )
        )
    violations = []
    for post in posts:
        payload = post.payload or {}
        found = validate(
            post.platform,
            payload.get("fields") or {"text": post.body},
            payload.get("media") or [],
            payload.get("parts") or [],
        )
        violations += [f"post {post.id}: {v}" for v in found]
    return _rules_check(violations, queued=len(posts))


@asset_check(
    asset=content_calendar,
    blocking=True,
    description="Every queued post (pending review or scheduled) passes the claims gate: no numeral, "
    "first-person claim or testimonial that the brand file or the post's source does not hold.",
)
def queued_posts_pass_claims_gate(brand: BrandResource, warehouse: WarehouseResource) -> AssetCheckResult:
    from marketing_engine.claims import Evidence, check_claims
    from marketing_engine.publishing.platforms import Draft as QueuedDraft

    profile = brand.load()
    slug = profile.slug
    with warehouse.get().session() as session:
        posts = list(
            session.scalars(
                select(SocialPost).where(
                    SocialPost.brand == slug, SocialPost.state.in_(("pending_review", "scheduled"))
                )
            )
        )
        sources = {s.ref: s for s in _sources(profile, session)}
    base = Evidence(profile, brand_evidence(profile))
    findings: list[str] = []
    counts: Counter[str] = Counter()
    for post in posts:
        payload = post.payload or {}
        draft = QueuedDraft(
            post.platform,
            post.content_ref,
            post.variant,
            payload.get("fields") or {"text": post.body},
            payload.get("parts") or [],
        )
        source = sources.get(post.content_ref)
        report = check_claims(
            post_text(draft), profile, base.with_extra([source.title, source.topic] if source else [])
        )
        counts.update({k: v for k, v in report.counts().items() if v})
        if not report.passed:
            findings.append(f"post {post.id}: {report.summary()}")
    return AssetCheckResult(
        passed=not findings,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "queued": len(posts),
            "posts_with_findings": len(findings),
            **{f"findings_{k}": counts.get(k, 0) for k in ("numeral", "first_person", "testimonial")},
            "first": MetadataValue.text("\n".join(findings[:20]) or "none"),
        },
    )


def _register_posts(session, slug: str, media_store: MediaStoreResource, run_id: str) -> RegistryReport:
    """Every post of the brand as a content asset: its text and fields as JSON in the media store."""
    records = []
    for post in session.scalars(select(SocialPost).where(SocialPost.brand == slug).order_by(SocialPost.id)):
        content = {
            "platform": post.platform,
            "content_ref": post.content_ref,
            "variant": post.variant,
            "body": post.body,
            "payload": post.payload or {},
            "link_url": post.link_url,
            "media_keys": post.media_keys or [],
        }
        stored = media_store.put_bytes(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode(), suffix=".json"
        )
        provenance = {
            "asset": "content_calendar",
            "run_id": run_id,
            "platform": post.platform,
            "content_ref": post.content_ref,
            "campaign": post.campaign,
        }
        records.append(stored_record("post", post.idempotency_key, stored, provenance))
    return record_content(session, slug, records)


def _publish_asset(platform_name: str):
    @asset(
        name=f"published_posts_{platform_name}",
        group_name=GROUP,
        owners=owners(GROUP),
        kinds={"python", WAREHOUSE, platform_name},
        code_version="1",
        deps=[content_calendar],
        freshness_policy=PUBLISHED_POSTS_FRESHNESS,
        **calls(f"publish_{platform_name}"),
        description=f"Publishes the due, approved {registry()[platform_name].label} posts exactly once "
        "(claimed and committed before the platform call; stuck posts go to the reconciler).",
    )
    def published_posts(
        context: AssetExecutionContext,
        brand: BrandResource,
        warehouse: WarehouseResource,
        publishers: PublishersResource,
        media_store: MediaStoreResource,
    ) -> MaterializeResult:
        if blocked := publishing_blocked():  # a click in a prod UI posts nothing either
            raise Failure(description=blocked, allow_retries=False)
        publisher = publishers.for_platform(platform_name, media_store.local_path)
        window = registry()[platform_name].quotas.get("requests_per_window")
        pacing = (
            {platform_name: window["window_seconds"] / window["limit"]}
            if window and publishers.backend == "real"
            else None
        )
        report = dispatch_due(
            warehouse.get(),
            lambda _name: publisher,
            platforms=[platform_name],
            batch=max(1, min(200, publisher.flush_every)),
            lookahead=timedelta(hours=publishers.lookahead_hours),
            min_interval=pacing,
            brand=brand.load().slug,
        )  # the accounts are this brand's
        for error in report.errors[:5]:
            context.log.warning(error)
        with warehouse.get().session() as session:
            stages = sync_campaign_workflows(session, brand.load().slug, context.run_id)
        return MaterializeResult(
            metadata={
                "published": report.published,
                "failed": report.failed,
                "requeued": report.requeued,
                "left_for_reconciler": report.left_for_reconciler,
                "seconds": round(report.seconds, 2),
                "campaign_stages": MetadataValue.json(stages),
                "backend": publishers.backend,
                "outbox": MetadataValue.path(str(publishers.outbox_dir() / platform_name))
                if publishers.backend == "outbox"
                else "",
            }
        )

    return published_posts


published_posts_assets = [_publish_asset(name) for name in registry()]
PUBLISH_ASSET_KEYS = [AssetKey(f"published_posts_{name}") for name in registry()]
