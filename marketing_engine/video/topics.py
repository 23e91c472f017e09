"""Which topic a video is about: the `topics` partition key and the words behind it.

Keys are slugs (the trends engine's `topic_key`); the trend spike sensor decides which topics get a
video and adds them as partitions.
`topic_evidence` is what the trends engine fetched about the topic (whether it spikes, the day's
headlines): the script may state it, and the claims gate accepts it as evidence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from slugify import slugify

from marketing_engine.brand import BrandProfile
from marketing_engine.settings import home_dir
from marketing_engine.video.store import best_opportunity, news_payload_key
from marketing_engine.warehouse import Warehouse

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


def render_seed(key: str) -> int:
    """The seed a topic's drawings and soundtrack are made with: the same on every run and machine
    (Python's own string hash is salted per process)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def topic_folder(key: str) -> Path:
    """Where a person finds a topic's videos with their thumbnails, captions and metadata.json."""
    return home_dir("videos") / key


def topic_for_key(warehouse: Warehouse, profile: BrandProfile, key: str) -> str:
    """The words for a partition key: a trend opportunity's topic, a seed topic or product, or the key."""
    found = best_opportunity(warehouse, profile.slug, key)
    if found is not None:
        return found.topic
    for words in [*profile.seed_topics, *(product.name for product in profile.products)]:
        if topic_key(words) == key:
            return words
    return key.replace("-", " ")


def topic_evidence(warehouse: Warehouse, store: _Store, profile: BrandProfile, topic: str) -> TopicEvidence:
    """Whether the topic is spiking on its newest trends day, and the news headlines stored for it."""
    brand = profile.slug
    found = best_opportunity(warehouse, brand, topic_key(topic))
    if found is None:
        return TopicEvidence()
    payload_key = news_payload_key(warehouse, brand, found.as_of)
    headlines: list[str] = []
    if payload_key:
        payload: dict[str, Any] = json.loads(store.get_bytes(payload_key))
        headlines = [h["title"] for h in payload.get(found.topic, {}).get("headlines", []) if h.get("title")]
    return TopicEvidence(trending=found.spike_date is not None, headlines=headlines[:HEADLINES])
