"""Scoring creators and communities: topic relevance and engagement, in one number per row."""

from __future__ import annotations

from collections.abc import Sequence

# A typical "good" engagement rate per platform (YouTube: views per video / subscribers; X: interactions
# per post / followers), so rates from different platforms become comparable.
GOOD_ENGAGEMENT = {"youtube": 0.3, "x": 0.02}


def creator_score(relevance: float, engagement_rate: float, platform: str) -> float:
    engagement = min(1.0, engagement_rate / GOOD_ENGAGEMENT.get(platform, 0.05))
    return round(0.6 * relevance + 0.4 * engagement, 4)


def dedupe_creators(creators: Sequence) -> list:
    """One row per (platform, handle): the same channel found under several topics counts once."""
    seen: dict[tuple[str, str], object] = {}
    for creator in creators:
        seen.setdefault((creator.platform, creator.handle.lower()), creator)
    return list(seen.values())
