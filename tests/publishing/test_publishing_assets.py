"""The publishing assets end to end on the offline backends, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

from dagster import DagsterInstance, build_sensor_context, materialize
from icalendar import Calendar
from sqlalchemy import func, select

from marketing_engine.assets.brand import brand_profile, campaigns
from marketing_engine.assets.publishing import (
    content_calendar,
    published_posts_assets,
    queued_posts_pass_claims_gate,
    social_copy,
)
from marketing_engine.resources.brand import BrandResource
from marketing_engine.sensors.publishing import publish_reconciler
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import CampaignContent, ReviewDecision, SocialPost, VideoAsset

ASSETS = [brand_profile, campaigns, social_copy, content_calendar, *published_posts_assets]


def _video(warehouse: Warehouse, media_store) -> None:
    stored = media_store.put_bytes(b"\x00\x00\x00\x18ftypmp42 fake video bytes", suffix=".mp4")
    with warehouse.session() as session:
        session.add(
            VideoAsset(
                brand="kestrel-cycles",
                topic="cargo e-bike",
                length_s=30,
                rendition="9x16",
                width=1080,
                height=1920,
                duration_s=29.5,
                media_key=stored.key,
                sha256=stored.sha256,
                gate_status="passed",
            )
        )


def test_calendar_fills_and_outbox_publishes_exactly_once(
    publishing_resources: dict, engine_home: Path
) -> None:
    warehouse = publishing_resources["warehouse"].get()
    _video(warehouse, publishing_resources["media_store"])
    instance = DagsterInstance.ephemeral()
    result = materialize(
        [*ASSETS, queued_posts_pass_claims_gate], resources=publishing_resources, instance=instance
    )
    assert result.success
    copy = result.asset_materializations_for_node("social_copy")[0].metadata
    assert copy["claims_checked"].value == copy["drafts"].value > 0
    assert copy["claims_held"].value == 0 and copy["claims_numeral"].value == 0
    [gate] = result.get_asset_check_evaluations()
    assert gate.passed and gate.metadata["posts_with_findings"].value == 0
    with warehouse.session() as session:
        posts = list(session.scalars(select(SocialPost)))
        states = {p.state for p in posts}
        decisions = session.scalar(select(func.count()).select_from(ReviewDecision))
        links = session.scalar(select(func.count()).select_from(CampaignContent))
    assert len(posts) >= 25  # 4 products and 1 video across 7 platforms (X gets hook, thread, convert)
    assert states <= {"published", "draft"}  # auto-approved (demo brand) and everything in 15 days is out
    assert decisions == len(posts)  # one auto_approved decision per post, with its hash
    assert links > 0
    platforms = {p.platform for p in posts}
    assert {
        "x",
        "linkedin",
        "reddit",
        "tiktok",
        "instagram",
        "youtube",
    } <= platforms  # video reached video apps
    outbox = engine_home / "outbox"
    files = sorted(outbox.glob("*/*.json"))
    assert len(files) == sum(p.state == "published" for p in posts)
    tiktok = json.loads(next(outbox.glob("tiktok/*.json")).read_text())
    assert tiktok["media"] and (outbox / "tiktok" / tiktok["media"][0]).is_file()
    for post in posts:
        if post.link_url:
            assert f"utm_source={post.platform}" in post.link_url and "utm_campaign=" in post.link_url
    ics = Calendar.from_ical((engine_home / "calendar" / "kestrel-cycles.ics").read_bytes())
    assert len(ics.walk("VEVENT")) == sum(p.scheduled_at is not None for p in posts)

    again = materialize(ASSETS, resources=publishing_resources, instance=instance)
    assert again.success
    with warehouse.session() as session:
        assert session.scalar(select(func.count()).select_from(SocialPost)) == len(posts)
    assert sorted(outbox.glob("*/*.json")) == files  # nothing written twice

    context = build_sensor_context(instance=instance, resources=publishing_resources)
    outcome = publish_reconciler(context)
    assert "stuck 0" in outcome.skip_message and f"verified {min(50, len(files))}" in outcome.skip_message


def test_approval_required_holds_posts_for_review(
    publishing_resources: dict, reviewed_brand: Path, engine_home: Path
) -> None:
    resources = {**publishing_resources, "brand": BrandResource(path=str(reviewed_brand))}
    assert materialize(ASSETS, resources=resources, instance=DagsterInstance.ephemeral()).success
    warehouse = resources["warehouse"].get()
    with warehouse.session() as session:
        states = dict(
            session.execute(select(SocialPost.state, func.count()).group_by(SocialPost.state)).all()
        )
    assert states.get("pending_review", 0) > 0
    assert "published" not in states  # nothing goes out before a person approved it
    review = (engine_home / "reports" / "review_queue.md").read_text()
    assert f"{states['pending_review']} posts waiting" in review and "## Latest decisions" in review


def test_reconciler_sensor_requeues_a_stranded_post_and_asks_for_a_run(publishing_resources: dict) -> None:
    from datetime import UTC, datetime, timedelta

    from dagster import RunRequest

    from marketing_engine.publishing.calendar import PlannedPost
    from marketing_engine.publishing.platforms import Draft
    from marketing_engine.publishing.queue import sync_calendar
    from marketing_engine.publishing.store import claim_due

    warehouse = publishing_resources["warehouse"].get()
    now = datetime.now(UTC)
    draft = Draft(platform="linkedin", content_ref="page:1", variant="main", fields={"text": "hello"})
    with warehouse.session() as session:
        sync_calendar(
            session, "kestrel-cycles", [PlannedPost(draft, now - timedelta(hours=1))], approval_required=False
        )
        claim_due(session, now, claimed_at=now - timedelta(hours=1))  # a worker that died an hour ago
    context = build_sensor_context(instance=DagsterInstance.ephemeral(), resources=publishing_resources)
    outcome = publish_reconciler(context)
    assert isinstance(outcome, RunRequest) and "requeued 1" in outcome.tags["marketing_engine/reason"]
    with warehouse.session() as session:
        assert session.scalar(select(SocialPost.state)) == "scheduled"


def test_calendar_follows_the_learned_posting_times(publishing_resources: dict) -> None:
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from marketing_engine.warehouse.models import Base

    warehouse = publishing_resources["warehouse"].get()
    bandits = Base.metadata.tables["bandit_allocations"]
    with warehouse.session() as session:
        session.execute(
            insert(bandits),
            [
                {
                    "brand": "kestrel-cycles",
                    "platform": "linkedin",
                    "dimension": "posting_time",
                    "arm": "18:00-21:00",
                    "share": 0.8,
                    "successes": 12.0,
                    "failures": 3.0,
                },
                {
                    "brand": "kestrel-cycles",
                    "platform": "linkedin",
                    "dimension": "posting_time",
                    "arm": "06:00-09:00",
                    "share": 0.2,
                    "successes": 2.0,
                    "failures": 9.0,
                },
            ],
        )
    result = materialize(
        [brand_profile, campaigns, social_copy, content_calendar],
        resources=publishing_resources,
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    zone = ZoneInfo("America/Los_Angeles")
    with warehouse.session() as session:
        times = [
            t.replace(tzinfo=t.tzinfo or UTC).astimezone(zone)
            for t in session.scalars(
                select(SocialPost.scheduled_at).where(
                    SocialPost.platform == "linkedin", SocialPost.scheduled_at.is_not(None)
                )
            )
        ]
    assert times and all(18 <= t.hour < 21 for t in times)
    metadata = result.asset_materializations_for_node("content_calendar")[0].metadata
    assert "linkedin" in metadata["learned_times_for"].value
