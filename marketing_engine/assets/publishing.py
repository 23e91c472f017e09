"""The publishing group: social copy for every page, video and product; the content calendar (with
review, quotas and an .ics export); and one publish asset per platform, each in its own
concurrency pool, that the `publish_due_posts` schedule runs every five minutes.

Wiring only: the copy, calendar, review and queue rules are `marketing_engine.publishing`'s, and its
warehouse queries and upserts are `publishing.store`'s."""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from marketing_engine.analytics.assignments import record_post_arms
from marketing_engine.analytics.recall import bandit_shares, writer_memory
from marketing_engine.assets.automation import (
    PUBLISHED_POSTS_FRESHNESS,
    WAREHOUSE,
    after_upstream,
    calls,
    owners,
    refuse_unless_publishing,
)
from marketing_engine.assets.common import markdown_table
from marketing_engine.files import write_text
from marketing_engine.llm import total_usage
from marketing_engine.publishing import store
from marketing_engine.publishing.calendar import cadence_optimizer, plan_calendar, write_ics
from marketing_engine.publishing.copy import (
    Pitch,
    brand_sources,
    campaign_drafts,
    gate_drafts,
    pitch_requests,
    preview_rows,
    publishable_platforms,
)
from marketing_engine.publishing.platforms import Draft, registry, validate_draft
from marketing_engine.publishing.queue import dispatch_due, sync_calendar
from marketing_engine.publishing.review import review_report
from marketing_engine.publishing.workflow import sync_campaign_workflows
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.llm import LLMResource
from marketing_engine.resources.media_store import MediaStoreResource
from marketing_engine.resources.publishers import PublishersResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import home_dir

GROUP = "publishing"
SPEC = {"group_name": GROUP, "owners": owners(GROUP), "code_version": "1"}  # every publishing asset's


@asset(
    **SPEC,
    kinds={"python", WAREHOUSE, "anthropic"},
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
    with warehouse.get().session() as session:
        sources = brand_sources(profile, *store.promotable_content(session, profile.slug))
        campaigns = store.campaign_keys(session, profile.slug)
    platforms = publishable_platforms(profile.enabled_channels)
    memory = partial(writer_memory, warehouse.get(), profile.slug, platforms)  # findings per topic
    results = llm.generate_many(pitch_requests(sources, profile, memory), schema=Pitch)
    hooks = {name: bandit_shares(warehouse.get(), profile.slug, name, "hook") for name in platforms}
    titles = {name: bandit_shares(warehouse.get(), profile.slug, name, "title") for name in platforms}
    pitches = [result.data for result in results]
    drafts, links = campaign_drafts(sources, pitches, profile, campaigns, hooks, titles)
    with warehouse.get().session() as session:
        store.link_campaign_contents(session, links)
    gate = gate_drafts(drafts, {s.ref: s for s in sources}, profile)
    for draft in drafts:
        if draft.hold_reason:
            context.log.warning(
                f"held {draft.platform} {draft.content_ref} {draft.variant}: {draft.hold_reason}"
            )
    context.add_output_metadata(
        {
            **gate.as_metadata(),
            "sources": len(sources),
            "by_kind": MetadataValue.json(dict(Counter(s.kind for s in sources))),
            "drafts": len(drafts),
            "by_platform": MetadataValue.json(dict(Counter(d.platform for d in drafts))),
            "campaign_links": len(links),
            "experiment_arms": MetadataValue.json(
                dict(Counter(f"{name.split(':')[0]}={arm}" for d in drafts for name, arm in d.arms.items()))
            ),
            "hook_bandit_for": MetadataValue.text(", ".join(n for n, s in hooks.items() if s) or "none yet"),
            "preview": markdown_table(
                preview_rows(drafts), ["platform", "variant", "arc", "gate", "text", "link"]
            ),
            "seconds": round(time.perf_counter() - started, 2),
            **total_usage(results).as_metadata(),
        }
    )
    return drafts


def _blocking_check(findings: list[str], **counts: int) -> AssetCheckResult:
    """A blocking check: fails on any finding and shows the first 20."""
    return AssetCheckResult(
        passed=not findings,
        severity=AssetCheckSeverity.ERROR,
        metadata={**counts, "first": MetadataValue.text("\n".join(findings[:20]) or "none")},
    )


@asset_check(
    asset=social_copy,
    blocking=True,
    description="No draft breaks its platform's rules (length by the platform's counter, hashtags, media).",
)
def social_copy_within_platform_rules(social_copy: list[Draft]) -> AssetCheckResult:
    violations = [str(v) for d in social_copy for v in validate_draft(d)]
    return _blocking_check(violations, drafts=len(social_copy), violations=len(violations))


@asset(
    **SPEC,
    kinds={"python", WAREHOUSE},
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
    with warehouse.get().session() as session:
        optimizer, learned = cadence_optimizer(*store.posting_time_findings(session, profile.slug))
        planned = plan_calendar(profile, social_copy, optimizer, datetime.now(UTC))
        report = sync_calendar(session, profile.slug, planned, approval_required=profile.approval.required)
        assigned = record_post_arms(session, profile.slug, social_copy)  # each post's hook arm
    with warehouse.get().session() as session:
        events = store.calendar_events(session, profile.slug)
        review = review_report(*store.review_queue(session, profile.slug))
        put_json = partial(media_store.put_bytes, suffix=".json")
        registered = store.register_posts(session, profile.slug, put_json, context.run_id)
        stages = sync_campaign_workflows(session, profile.slug, context.run_id)
    review_path = home_dir("reports") / "review_queue.md"
    write_text(review_path, review)
    ics = home_dir("calendar") / f"{profile.slug}.ics"
    write_ics(ics, profile.name, profile.domain, events, profile.audience.timezone)
    return MaterializeResult(
        metadata={
            "posts": len(planned),
            "held_by_claims_gate": sum(1 for d in social_copy if d.hold_reason),
            **{f"sync_{k}": v for k, v in vars(report).items()},
            **registered.as_metadata(),
            "campaign_stages": MetadataValue.json(stages),
            "states": MetadataValue.json(dict(Counter(e["state"] for e in events))),
            "by_platform": MetadataValue.json(dict(Counter(e["platform"] for e in events))),
            "experiment_assignments": assigned,
            "learned_times_for": MetadataValue.text(", ".join(learned) or "none (brand windows)"),
            "approval_required": profile.approval.required,
            "ics": MetadataValue.path(str(ics)),
            "review_queue": MetadataValue.path(str(review_path)),
            "review": MetadataValue.md(review[:4000]),
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
    with warehouse.get().session() as session:
        queued = store.queued_drafts(session, brand.load().slug)
    violations = [f"post {post_id}: {v}" for post_id, d in queued.items() for v in validate_draft(d)]
    return _blocking_check(violations, queued=len(queued), violations=len(violations))


@asset_check(
    asset=content_calendar,
    blocking=True,
    description="Every queued post (pending review or scheduled) passes the claims gate: no numeral, "
    "first-person claim or testimonial that the brand file or the post's source does not hold.",
)
def queued_posts_pass_claims_gate(brand: BrandResource, warehouse: WarehouseResource) -> AssetCheckResult:
    profile = brand.load()
    with warehouse.get().session() as session:
        queued = store.queued_drafts(session, profile.slug)
        sources = brand_sources(profile, *store.promotable_content(session, profile.slug))
    tally = gate_drafts(queued.values(), {s.ref: s for s in sources}, profile)
    findings = [f"post {post_id}: {d.hold_reason}" for post_id, d in queued.items() if d.hold_reason]
    return _blocking_check(
        findings,
        queued=len(queued),
        posts_with_findings=len(findings),
        **{f"findings_{kind}": count for kind, count in tally.findings.items()},
    )


def _publish_asset(platform_name: str):
    @asset(
        name=f"published_posts_{platform_name}",
        **SPEC,
        kinds={"python", WAREHOUSE, platform_name},
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
        refuse_unless_publishing()
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
