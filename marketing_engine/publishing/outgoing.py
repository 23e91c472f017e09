"""What the publish queue hands a platform, what comes back, and the errors that decide what
happens next. Publishers (in `resources/publishers/`) implement `Publisher`.

The error classes carry the one distinction exactly-once publishing needs: did the platform
possibly accept the post (`AmbiguousPublish`: a timeout or 5xx on create) or certainly not
(`RateLimited`, `PublishRejected`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class PublishError(RuntimeError):
    """Base of the publishing errors; the message names the platform."""


class RateLimited(PublishError):
    """429: the platform did not take the post; try again after `wait` seconds."""

    def __init__(self, platform: str, wait: float, message: str = "rate limited"):
        self.wait = wait
        super().__init__(f"{platform}: {message} (retry after {wait:.0f} s)")


class AmbiguousPublish(PublishError):
    """A create that timed out or got a 5xx: the platform may have accepted it. Look before retrying."""


class AcceptedUnconfirmed(AmbiguousPublish):
    """The platform took the post but has not confirmed it yet (still processing): never re-sent by
    the publisher; the reconciler finds it on the platform later."""


class PublishRejected(PublishError):
    """A 4xx other than 429 (or a refused token that cannot be refreshed): never retried."""


@dataclass(frozen=True)
class OutgoingPost:
    id: int
    platform: str
    idempotency_key: str
    body: str
    payload: dict[str, Any] = field(default_factory=dict)
    media_keys: tuple[str, ...] = ()
    link_url: str | None = None
    content_sha256: str = ""

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.payload.get("fields") or {"text": self.body})

    @property
    def parts(self) -> list[str]:
        return list(self.payload.get("parts") or [])

    @property
    def marker(self) -> str:
        """A short tag some platforms can carry in metadata, for matching a post read back later."""
        return "me-" + self.idempotency_key[:16]


@dataclass(frozen=True)
class PublishResult:
    post_id: str
    url: str | None = None


class Publisher(Protocol):
    platform: str
    #: how many outcomes the queue may hold before writing them (1 for network platforms)
    flush_every: int

    def publish(self, post: OutgoingPost) -> PublishResult: ...

    def find(self, post: OutgoingPost, since: datetime | None) -> PublishResult | None:
        """Read the account's recent posts back and return this one if the platform has it."""
        ...

    def verify(self, post_id: str, url: str | None) -> bool:
        """Is the published post still there?"""
        ...


def idempotency_key(brand: str, platform_name: str, content_ref: str, variant: str) -> str:
    return hashlib.sha256(f"{brand}|{platform_name}|{content_ref}|{variant}".encode()).hexdigest()[:32]


def content_hash(
    body: str, payload: dict[str, Any], media_keys: list[str] | tuple[str, ...], link_url: str | None
) -> str:
    """The sha256 an approval is tied to: the exact text, fields, thread parts, media and link."""
    canonical = json.dumps(
        {"body": body, "payload": payload, "media": list(media_keys), "link": link_url},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalize_text(text: str) -> str:
    """Text as platforms echo it back: whitespace collapsed, links dropped (X rewrites them to t.co)."""
    import re

    return " ".join(re.sub(r"https?://\S+", "", text).split())
