"""Which topic a video is about: the `topics` partition key and the words behind it.

Keys are slugs (the trends engine's `topic_key`). The video studio takes the best-ranked trend
opportunity of the newest day when the trends table has one, else the brand's first seed topic.
"""

from __future__ import annotations

from slugify import slugify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketing_engine.brand import BrandProfile
from marketing_engine.warehouse import Warehouse


def topic_key(topic: str) -> str:
    key = slugify(topic, max_length=120)
    if not key:
        raise ValueError(f"topic {topic!r} has no letters or digits to make a partition key")
    return key


def _opportunities(warehouse: Warehouse, brand: str, where: str, params: dict) -> list[tuple[str, str]]:
    query = text(
        "SELECT topic, topic_key FROM trend_opportunities WHERE brand = :brand "
        f"{where} ORDER BY as_of DESC, rank ASC LIMIT 1"
    )
    try:
        with warehouse.engine.connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(query, {"brand": brand, **params})]
    except SQLAlchemyError:  # the trends tables are not migrated in this warehouse (yet)
        return []


def top_topic(warehouse: Warehouse, profile: BrandProfile) -> tuple[str, str]:
    """(topic, key) of the best trend opportunity, else of the first seed topic."""
    found = _opportunities(warehouse, profile.slug, "", {})
    if found:
        return found[0]
    return profile.seed_topics[0], topic_key(profile.seed_topics[0])


def topic_for_key(warehouse: Warehouse, profile: BrandProfile, key: str) -> str:
    """The words for a partition key: a trend opportunity's topic, a seed topic, or the key itself."""
    found = _opportunities(warehouse, profile.slug, "AND topic_key = :key", {"key": key})
    if found:
        return found[0][0]
    for seed in profile.seed_topics:
        if topic_key(seed) == key:
            return seed
    return key.replace("-", " ")
