"""Bluesky (AT Protocol): `com.atproto.repo.createRecord` of an `app.bsky.feed.post`, with the record
key derived from the post's idempotency key. A second create with the same key is refused by the
server, and `getRecord` finds the first one: exactly-once without scanning a timeline.

Docs: https://docs.bsky.app/docs/advanced-guides/posts,
https://docs.bsky.app/docs/api/com-atproto-repo-create-record,
https://docs.bsky.app/docs/advanced-guides/post-richtext (link facets use UTF-8 byte offsets)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from marketing_engine.publishing.outgoing import AmbiguousPublish, OutgoingPost, PublishError, PublishResult
from marketing_engine.resources.platforms.bluesky import BlueskyApi, settings
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired, transport

_URL = re.compile(r"https?://\S+")
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(idempotency_key: str) -> str:
    """A 13-character record key (TID alphabet) fixed by the idempotency key."""
    number = int(idempotency_key[:16], 16) >> 1  # 63 bits, as a TID
    return "".join(_TID_CHARS[(number >> shift) & 31] for shift in range(60, -1, -5))


def link_facets(text: str) -> list[dict[str, Any]]:
    facets = []
    for match in _URL.finditer(text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group().encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group()}],
            }
        )
    return facets


class BlueskyPublisher(HttpPublisher):
    platform = "bluesky"

    def __init__(self, handle: str, app_password: str, *, service: str = settings.SERVICE_URL, **kwargs: Any):
        super().__init__(BlueskyApi(handle, app_password, service=service, **transport(kwargs)), **kwargs)
        self.handle, self.service = handle, self.api.service

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 400 and response.json().get("error") == "ExpiredToken":
            raise TokenExpired(f"bluesky: HTTP 400: {response.json().get('message', 'ExpiredToken')}")
        return super().check(response)

    def _url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    def publish(self, post: OutgoingPost) -> PublishResult:
        self.platform_call(self.api.session)
        text = post.fields.get("text", post.body)
        rkey = record_key(post.idempotency_key)
        record = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "facets": link_facets(text),
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        body = {"repo": self.api.did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record}
        try:
            data = self.with_refresh(
                lambda: self.create("POST", self.api.xrpc("com.atproto.repo.createRecord"), json=body)
            ).json()
        except PublishError as exc:
            if "already exists" in str(exc).lower() or "InvalidSwap" in str(exc):
                raise AmbiguousPublish(f"bluesky: record {rkey} exists already") from None
            raise
        return PublishResult(data["uri"], self._url(rkey))

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        self.platform_call(self.api.session)
        rkey = record_key(post.idempotency_key)
        response = self.client.get(
            self.api.xrpc("com.atproto.repo.getRecord"),
            headers=self.headers(),
            params={"repo": self.api.did, "collection": "app.bsky.feed.post", "rkey": rkey},
        )
        if response.status_code == 400 and response.json().get("error") == "RecordNotFound":
            return None
        data = self.check(response).json()
        return PublishResult(data["uri"], self._url(rkey))

    def verify(self, post_id: str, url: str | None) -> bool:
        self.platform_call(self.api.session)
        response = self.client.get(
            self.api.xrpc("com.atproto.repo.getRecord"),
            headers=self.headers(),
            params={
                "repo": self.api.did,
                "collection": "app.bsky.feed.post",
                "rkey": post_id.rsplit("/", 1)[-1],
            },
        )
        return response.status_code == 200
