"""campaign_workflows and content_assets hold what their names promise: each campaign's stage in
brief → produce → review → publish → measure, and every post (page, video, image: see the SEO and
video asset tests) as versioned content with its media key, sha256 and provenance — written by the
assets that make them, the same rows on a re-run, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import func, select

from marketing_engine.assets.brand import brand_profile, campaigns
from marketing_engine.assets.publishing import content_calendar, published_posts_assets, social_copy
from marketing_engine.publishing.workflow import CampaignFacts, campaign_state, sync_campaign_workflows
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import (
    Campaign,
    CampaignMetric,
    CampaignWorkflow,
    ContentAsset,
    SocialPost,
)
from marketing_engine.warehouse.registry import ContentRecord, record_content

ASSETS = [brand_profile, campaigns, social_copy, content_calendar, *published_posts_assets]


def _record(sha: str, run: str = "r1") -> ContentRecord:
    return ContentRecord("page", "/guides/a/", f"ab/{sha}.html", sha, 10, "text/html", {"run_id": run})


def test_the_same_bytes_keep_their_version_new_bytes_make_the_next(warehouse: Warehouse) -> None:
    with warehouse.session() as session:
        first = record_content(session, "b", [_record("a" * 64)])
    with warehouse.session() as session:
        again = record_content(session, "b", [_record("a" * 64, run="r2")])
    assert (first.new_versions, again.new_versions, again.unchanged) == (1, 0, 1)
    with warehouse.session() as session:
        record_content(session, "b", [_record("b" * 64, run="r3")])
        record_content(session, "b", [_record("a" * 64, run="r4")])  # back to the first text: a new version
    with warehouse.session() as session:
        rows = session.execute(
            select(ContentAsset.version, ContentAsset.sha256, ContentAsset.provenance).order_by(
                ContentAsset.version
            )
        ).all()
    assert [(v, s[0], p["run_id"]) for v, s, p in rows] == [(1, "a", "r1"), (2, "b", "r3"), (3, "a", "r4")]
    with warehouse.session() as session, pytest.raises(ValueError, match="kind 'pdf' is not one of"):
        record_content(session, "b", [ContentRecord("pdf", "/x", "k", "c" * 64, 1, "application/pdf")])


@pytest.mark.parametrize(
    ("facts", "archived", "expected"),
    [
        (CampaignFacts(0, {}, 0), False, ("brief", "pending")),
        (CampaignFacts(2, {"draft": 3}, 0), False, ("produce", "active")),
        (CampaignFacts(2, {"pending_review": 1, "draft": 1}, 0), False, ("review", "waiting")),
        (CampaignFacts(2, {"scheduled": 2, "pending_review": 1}, 0), False, ("publish", "waiting")),
        (CampaignFacts(2, {"published": 2}, 0), False, ("publish", "active")),
        (CampaignFacts(2, {"published": 2}, 1), False, ("measure", "active")),
        (CampaignFacts(2, {"published": 2}, 1), True, ("measure", "archived")),
    ],
)
def test_a_campaigns_stage_is_the_furthest_its_content_reached(facts, archived, expected) -> None:
    assert campaign_state(facts, archived) == expected


def _counts(warehouse: Warehouse) -> dict[str, int]:
    with warehouse.session() as session:
        return {
            "campaigns": session.scalar(select(func.count()).select_from(Campaign)),
            "workflows": session.scalar(select(func.count()).select_from(CampaignWorkflow)),
            "posts": session.scalar(select(func.count()).select_from(SocialPost)),
            "post_assets": session.scalar(
                select(func.count()).select_from(ContentAsset).where(ContentAsset.kind == "post")
            ),
        }


def test_publishing_assets_write_every_campaigns_workflow_and_every_post_as_content(
    publishing_resources: dict,
) -> None:
    warehouse = publishing_resources["warehouse"].get()
    instance = DagsterInstance.ephemeral()
    assert materialize(ASSETS, resources=publishing_resources, instance=instance).success
    counts = _counts(warehouse)
    assert counts["workflows"] == counts["campaigns"] > 0
    assert counts["post_assets"] == counts["posts"] > 0
    with warehouse.session() as session:
        stages = {
            campaign.slug: (flow.stage, flow.status, flow.details)
            for flow, campaign in session.execute(
                select(CampaignWorkflow, Campaign).join(Campaign, Campaign.id == CampaignWorkflow.campaign_id)
            )
        }
        posts = list(session.scalars(select(SocialPost)))
        assets = {a.source_ref: a for a in session.scalars(select(ContentAsset))}
    published = {p.campaign for p in posts if p.state == "published"}
    assert published and all(stages[c][0] == "publish" for c in published)
    assert all(stage == "brief" for slug, (stage, _, details) in stages.items() if not details["posts"])
    for post in posts:
        asset = assets[post.idempotency_key]
        assert asset.version == 1 and asset.provenance["asset"] == "content_calendar"
        assert asset.provenance["platform"] == post.platform and len(asset.sha256) == 64
        stored = json.loads(publishing_resources["media_store"].get_bytes(asset.media_key))
        assert stored["body"] == post.body and stored["platform"] == post.platform

    assert materialize(ASSETS, resources=publishing_resources, instance=instance).success
    assert _counts(warehouse) == counts  # a re-run writes the same rows

    # metrics for one published post move its campaign to "measure"
    post = next(p for p in posts if p.state == "published")
    with warehouse.session() as session:
        session.add(
            CampaignMetric(
                brand=post.brand,
                content_ref=post.content_ref,
                platform=post.platform,
                day=date(2027, 1, 5),
                metric="impressions",
                value=120.0,
                source="x",
            )
        )
    with warehouse.session() as session:
        sync_campaign_workflows(session, post.brand, "test-run")
        flow = session.scalar(
            select(CampaignWorkflow)
            .join(Campaign, Campaign.id == CampaignWorkflow.campaign_id)
            .where(Campaign.utm_campaign == post.campaign)
        )
    # metrics are per content and platform: every published variant of that content there is measured
    same = [
        p
        for p in posts
        if (p.campaign, p.content_ref, p.platform, p.state)
        == (post.campaign, post.content_ref, post.platform, "published")
    ]
    assert (flow.stage, flow.run_id, flow.details["measured_posts"]) == ("measure", "test-run", len(same))
