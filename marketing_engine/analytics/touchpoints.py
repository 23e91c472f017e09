"""Warehouse rows from provider answers (journeys, per-channel daily metrics, post performance), and
published posts as the features the learners read."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from marketing_engine.analytics.simulator import HOOKS, WEEKDAYS
from marketing_engine.provenance import combined, origin

METRICS = ("impressions", "engagements", "clicks", "engagement_rate")
_STAT = re.compile(r"\d")


def hook_type(text: str) -> str:
    """Which kind of opening line a post uses, from its first sentence."""
    first = re.split(r"(?<=[.!?])\s|\n", (text or "").strip(), maxsplit=1)[0].lower()
    if first.endswith("?") or "?" in first:
        return "question"
    if _STAT.search(first):
        return "statistic"
    if first.startswith(("how ", "how to", "step", "3 ways", "the guide", "here's how")):
        return "how_to"
    if first.startswith(("i ", "we ", "when ", "last ", "our ", "my ")):
        return "story"
    return "bold_claim" if first else HOOKS[0]


def post_features(
    posts: Sequence[Mapping[str, Any]],
    topics: Sequence[str],
    arms: Mapping[tuple[str, str], str] | None = None,
) -> list[dict]:
    """Published posts (`analytics.store.published_posts`) as learner features: platform, hook, hour,
    weekday, topic and length. A post's hook is the arm it was published with (`arms`: (platform,
    content ref) → hook, from `analytics.assignments.post_arms`), else the type its first sentence
    reads as. A post's topic is the first of `topics` its body or content ref names, else the first topic."""
    arms = arms or {}
    features = []
    for post in posts:
        body, when, variant = post["body"] or "", post["posted_at"], post["variant"]
        topic = next(
            (t for t in topics if t.lower() in f"{body} {post['content_ref']}".lower()),
            topics[0] if topics else "general",
        )
        ref = post["content_ref"] + (f"#{variant}" if variant not in (None, "main") else "")
        features.append(
            {
                "content_ref": ref,
                "platform": post["platform"],
                "hook": arms.get((post["platform"], ref)) or hook_type(body),
                "hour": when.hour,
                "weekday": WEEKDAYS[when.weekday()],
                "topic": topic,
                "length": len(body),
                "platform_post_id": post["platform_post_id"],
            }
        )
    return features


def journey_rows(journeys: list[dict], brand: str, day: date) -> list[dict]:
    return [
        {
            "brand": brand,
            "day": day,
            "journey_key": j["journey_key"],
            "channels": list(j["channels"]),
            "days_before": list(j["days_before"]),
            "converted": bool(j["converted"]),
            "revenue": float(j["revenue"]),
            "product": j["product"],
            "source": origin(j, "journey"),
        }
        for j in journeys
    ]


# the per-channel metrics drawn from journeys (`channel_metric_rows`), in that order
JOURNEY_METRICS = ("touches", "journeys_reached", "last_touch_conversions", "last_touch_revenue")


def channel_metric_rows(journeys: list[dict], brand: str, day: date) -> list[dict]:
    """Per channel and day: touches, journeys reached, last-touch conversions and revenue; their
    `source` is the journeys' (several joined by `+`)."""
    source = combined(origin(j, "journey") for j in journeys)
    touches: Counter[str] = Counter()
    reached: Counter[str] = Counter()
    conversions: Counter[str] = Counter()
    revenue: Counter[str] = Counter()
    for journey in journeys:
        touches.update(journey["channels"])
        reached.update(set(journey["channels"]))
        if journey["converted"]:
            conversions[journey["channels"][-1]] += 1
            revenue[journey["channels"][-1]] += journey["revenue"]
    rows = []
    for channel in sorted(touches):
        for metric, counter in zip(JOURNEY_METRICS, (touches, reached, conversions, revenue), strict=True):
            rows.append(
                {
                    "brand": brand,
                    "content_ref": f"channel:{channel}",
                    "platform": channel,
                    "day": day,
                    "metric": metric,
                    "value": float(round(counter[channel], 2)),
                    "source": source,
                }
            )
    return rows


def performance_rows(measured: list[dict], brand: str, day: date) -> list[dict]:
    """One row per measured post: its features, its counts (whole numbers) and engagement rate."""
    return [
        {
            "brand": brand,
            "day": day,
            **{name: m[name] for name in ("content_ref", "platform", "hook", "weekday", "topic")},
            **{name: int(m[name]) for name in ("hour", "length", "impressions", "engagements", "clicks")},
            "engagement_rate": float(m["engagement_rate"]),
            "source": origin(m, "post measurement"),
        }
        for m in measured
    ]


def post_metric_rows(rows: list[dict]) -> list[dict]:
    return [
        {
            "brand": r["brand"],
            "content_ref": r["content_ref"],
            "platform": r["platform"],
            "day": r["day"],
            "metric": metric,
            "value": float(r[metric]),
            "source": r["source"],
        }
        for r in rows
        for metric in METRICS
    ]


def channel_total_rows(totals: list[dict], brand: str, day: date) -> list[dict]:
    """Provider channel totals (e.g. GA4's sessions, keyEvents, totalRevenue) as metric rows."""
    return [
        {
            "brand": brand,
            "content_ref": f"channel:{row['channel']}",
            "platform": row["channel"][:30],
            "day": day,
            "metric": metric,
            "value": float(value),
            "source": origin(row, "channel total"),
        }
        for row in totals
        for metric, value in row.items()
        if metric not in ("channel", "source")
    ]


def page_metric_rows(pages: list[dict], brand: str, day: date) -> list[dict]:
    """Search Console page rows (clicks, impressions, ctr, position) as metric rows of platform "search"."""
    return [
        {
            "brand": brand,
            "content_ref": row["page"][:300],
            "platform": "search",
            "day": day,
            "metric": metric,
            "value": float(row[metric]),
            "source": origin(row, "page measurement"),
        }
        for row in pages
        for metric in ("clicks", "impressions", "ctr", "position")
    ]
