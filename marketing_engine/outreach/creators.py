"""Scoring creators and communities: topic relevance and engagement, in one number per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marketing_engine.brand import BrandProfile
    from marketing_engine.outreach.relevance import Method

# A typical "good" engagement rate per platform (YouTube: views per video / subscribers; X: interactions
# per post / followers), so rates from different platforms become comparable.
GOOD_ENGAGEMENT = {"youtube": 0.3, "x": 0.02}
PLATFORMS = ("youtube", "x")  # where creators are searched for


def creator_score(relevance: float, engagement_rate: float, platform: str) -> float:
    engagement = min(1.0, engagement_rate / GOOD_ENGAGEMENT.get(platform, 0.05))
    return round(0.6 * relevance + 0.4 * engagement, 4)


def dedupe_creators(creators: Sequence) -> list:
    """One row per (platform, handle): the same channel found under several topics counts once."""
    seen: dict[tuple[str, str], object] = {}
    for creator in creators:
        seen.setdefault((creator.platform, creator.handle.lower()), creator)
    return list(seen.values())


def creator_rows(creators: Sequence, profile: BrandProfile, method: Method) -> list[dict[str, Any]]:
    """One `influencers` row per creator found (deduplicated), with its relevance and score."""
    from marketing_engine.outreach.relevance import topic_relevance

    unique = dedupe_creators(creators)
    return [
        {
            "brand": profile.slug,
            "platform": c.platform,
            "handle": c.handle,
            "name": c.name,
            "followers": c.followers,
            "engagement_rate": c.engagement_rate,
            "relevance": r,
            "score": creator_score(r, c.engagement_rate, c.platform),
            "contact_email": c.contact_email,
        }
        for c, r in zip(unique, topic_relevance(unique, profile, method), strict=True)
    ]


def community_sources(profile: BrandProfile) -> tuple[list[str], list[str]]:
    """The communities the brand file names: its subreddits and its Discord invite links."""
    reddit = profile.channels.get("reddit")
    named = list(reddit.communities) if reddit else []
    invites = list(profile.outreach.discord_invites) if profile.outreach else []
    return named, invites


def community_rows(found: Sequence, profile: BrandProfile, method: Method) -> list[dict[str, Any]]:
    """One `communities` row per community found (once per platform and name), with its relevance."""
    from marketing_engine.outreach.relevance import topic_relevance

    unique = list({(c.platform, c.name.lower()): c for c in found}.values())
    return [
        {
            "brand": profile.slug,
            "platform": c.platform,
            "name": c.name,
            "url": c.url,
            "members": c.members,
            "activity_per_day": c.activity_per_day,
            "relevance": r,
        }
        for c, r in zip(unique, topic_relevance(unique, profile, method), strict=True)
    ]
