"""Where each campaign is in its workflow — brief → produce → review → publish → measure — read
from the warehouse's own rows and written to `campaign_workflows` (one row per campaign).

The state is derived, never advanced by hand: every asset that moves a campaign (campaigns,
the content calendar, the publishers, the metrics) rewrites it from the same facts, so running
them again, or in another order, gives the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketing_engine.warehouse.db import upsert
from marketing_engine.warehouse.models import (
    Campaign,
    CampaignContent,
    CampaignMetric,
    CampaignWorkflow,
    SocialPost,
)

WORKFLOW = "content"
STAGES = ("brief", "produce", "review", "publish", "measure")
WAITING = ("pending_review", "held")  # a person has to act: approve, edit, or fix the claim
OUT = ("scheduled", "publishing", "published")


@dataclass(frozen=True)
class CampaignFacts:
    contents: int  # pages, videos and products linked to the campaign
    posts: Mapping[str, int]  # post count per state
    measured: int  # published posts with at least one metric


def campaign_state(facts: CampaignFacts, archived: bool = False) -> tuple[str, str]:
    """(stage, status): the furthest stage reached; `waiting` while a post waits for a person."""
    posts = Counter(facts.posts)
    if facts.measured:
        stage = "measure"
    elif any(posts[s] for s in OUT):
        stage = "publish"
    elif any(posts[s] for s in WAITING):
        stage = "review"
    elif facts.contents or sum(posts.values()):
        stage = "produce"
    else:
        stage = "brief"
    if archived:
        status = "archived"
    elif any(posts[s] for s in WAITING):
        status = "waiting"
    elif stage == "brief":
        status = "pending"
    else:
        status = "active"
    return stage, status


def _facts(session: Session, brand: str) -> dict[str, CampaignFacts]:
    """Per campaign slug (its utm_campaign), the counts the state is read from."""
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.brand == brand))}
    contents = Counter(
        dict(
            session.execute(
                select(CampaignContent.campaign_id, func.count())
                .where(CampaignContent.campaign_id.in_(list(campaigns)))
                .group_by(CampaignContent.campaign_id)
            ).all()
        )
    )
    posts: dict[str, Counter] = {}
    for campaign, state, count in session.execute(
        select(SocialPost.campaign, SocialPost.state, func.count())
        .where(SocialPost.brand == brand, SocialPost.campaign.is_not(None))
        .group_by(SocialPost.campaign, SocialPost.state)
    ):
        posts.setdefault(campaign, Counter())[state] = count
    measured_pairs = set(
        session.execute(
            select(CampaignMetric.content_ref, CampaignMetric.platform)
            .where(CampaignMetric.brand == brand)
            .distinct()
        ).all()
    )
    measured: Counter = Counter()
    for campaign, content_ref, platform in session.execute(
        select(SocialPost.campaign, SocialPost.content_ref, SocialPost.platform).where(
            SocialPost.brand == brand, SocialPost.state == "published", SocialPost.campaign.is_not(None)
        )
    ):
        measured[campaign] += (content_ref, platform) in measured_pairs
    return {
        c.utm_campaign: CampaignFacts(
            contents[c.id], dict(posts.get(c.utm_campaign, {})), measured[c.utm_campaign]
        )
        for c in campaigns.values()
    }


def sync_campaign_workflows(session: Session, brand: str, run_id: str | None = None) -> dict[str, int]:
    """Rewrite every campaign's workflow row from the warehouse; returns the count per stage."""
    facts = _facts(session, brand)
    rows, stages = [], Counter()
    for campaign in session.scalars(select(Campaign).where(Campaign.brand == brand)):
        found = facts[campaign.utm_campaign]
        stage, status = campaign_state(found, archived=campaign.status == "archived")
        stages[stage] += 1
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": WORKFLOW,
                "stage": stage,
                "status": status,
                "run_id": run_id,
                "details": {
                    "contents": found.contents,
                    "posts": dict(sorted(found.posts.items())),
                    "measured_posts": found.measured,
                },
            }
        )
    upsert(session, CampaignWorkflow, rows, keys=["campaign_id", "name"])
    return {stage: stages[stage] for stage in STAGES if stages[stage]}
