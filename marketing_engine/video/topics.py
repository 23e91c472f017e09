"""Which topic a video is about: the `topics` partition key and the words behind it.

Keys are slugs (the trends engine's `topic_key`); the trend spike sensor decides which topics get a
video and adds them as partitions.
`topic_evidence` is what the trends engine fetched about the topic (whether it spikes, the day's
headlines): the script may state it, and the claims gate accepts it as evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from marketing_engine.brand import BrandProfile
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import TrendOpportunity, TrendSourceStatus

HEADLINES = 3


class _Store(Protocol):
    def get_bytes(self, key: str) -> bytes: ...


@dataclass(frozen=True)
class TopicEvidence:
    trending: bool = False
    headlines: list[str] = field(default_factory=list)


def topic_key(topic: str) -> str:
    key = slugify(topic, max_length=120)
    if not key:
        raise ValueError(f"topic {topic!r} has no letters or digits to make a partition key")
    return key


def _best(warehouse: Warehouse, brand: str, key: str | None = None) -> TrendOpportunity | None:
    query = select(TrendOpportunity).where(TrendOpportunity.brand == brand)
    if key is not None:
        query = query.where(TrendOpportunity.topic_key == key)
    query = query.order_by(TrendOpportunity.as_of.desc(), TrendOpportunity.rank.asc()).limit(1)
    try:
        with warehouse.session() as session:
            found = session.scalars(query).first()
            if found is not None:
                session.expunge(found)
            return found
    except SQLAlchemyError:  # the trends tables are not migrated in this warehouse (yet)
        return None


def topic_for_key(warehouse: Warehouse, profile: BrandProfile, key: str) -> str:
    """The words for a partition key: a trend opportunity's topic, a seed topic or product, or the key."""
    found = _best(warehouse, profile.slug, key)
    if found is not None:
        return found.topic
    for words in [*profile.seed_topics, *(product.name for product in profile.products)]:
        if topic_key(words) == key:
            return words
    return key.replace("-", " ")


def topic_evidence(warehouse: Warehouse, store: _Store, profile: BrandProfile, topic: str) -> TopicEvidence:
    """Whether the topic is spiking on its newest trends day, and the news headlines stored for it."""
    brand = profile.slug
    found = _best(warehouse, brand, topic_key(topic))
    if found is None:
        return TopicEvidence()
    try:
        with warehouse.session() as session:
            payload_key = session.scalar(
                select(TrendSourceStatus.payload_key).where(
                    TrendSourceStatus.brand == brand,
                    TrendSourceStatus.day == found.as_of,
                    TrendSourceStatus.source == "news",
                )
            )
    except SQLAlchemyError:
        payload_key = None
    headlines: list[str] = []
    if payload_key:
        payload: dict[str, Any] = json.loads(store.get_bytes(payload_key))
        headlines = [h["title"] for h in payload.get(found.topic, {}).get("headlines", []) if h.get("title")]
    return TopicEvidence(trending=found.spike_date is not None, headlines=headlines[:HEADLINES])
