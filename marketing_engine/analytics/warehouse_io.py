"""Reading other groups' tables defensively: they may not exist yet, or be empty.

Published posts, pages, videos and trend opportunities are written by other asset groups; the
analytics assets must still work (from the simulator alone) when those tables are missing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, MetaData, Table, inspect, select

from marketing_engine.analytics.simulator import HOOKS, WEEKDAYS

_STAT = re.compile(r"\d")


def read_table(engine: Engine, table: str, brand: str, limit: int = 5000, **equals: object) -> list[dict]:
    """Rows of `table` for `brand` (and `column == value` filters), or [] if the table is absent."""
    if not inspect(engine).has_table(table):
        return []
    reflected = Table(table, MetaData(), autoload_with=engine)
    query = select(reflected).limit(limit)
    if "brand" in reflected.c:
        query = query.where(reflected.c.brand == brand)
    for column, value in equals.items():
        if column not in reflected.c:
            return []
        query = query.where(reflected.c[column] == value)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


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


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def published_posts_on(engine: Engine, brand: str, day: date, topics: list[str]) -> list[dict]:
    """Posts published on `day` as learner features (platform, hook, hour, weekday, topic, length)."""
    posts = []
    for row in read_table(engine, "social_posts", brand, state="published"):
        when = _when(row.get("published_at")) or _when(row.get("scheduled_at"))
        if when is None or when.date() != day:
            continue
        body = row.get("body") or ""
        topic = next(
            (t for t in topics if t.lower() in (body + " " + row.get("content_ref", "")).lower()),
            topics[0] if topics else "general",
        )
        posts.append(
            {
                "content_ref": row["content_ref"]
                + (f"#{row['variant']}" if row.get("variant") not in (None, "main") else ""),
                "platform": row["platform"],
                "hook": hook_type(body),
                "hour": when.hour,
                "weekday": WEEKDAYS[when.weekday()],
                "topic": topic,
                "length": len(body),
                "source": "published",
                "platform_post_id": row.get("platform_post_id"),
            }
        )
    return posts


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min)
    return start, start + timedelta(days=1)
