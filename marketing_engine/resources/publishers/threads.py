"""Threads: container (`POST /{user}/threads`) → status for video → `threads_publish`; read-back
from the user's threads; long-lived tokens refreshed with `th_refresh_token`.

Docs: https://developers.facebook.com/docs/threads/posts,
https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
"""

from __future__ import annotations

from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishError, PublishResult
from marketing_engine.resources.platforms.meta import GraphClient
from marketing_engine.resources.publishers.graph import GraphPublisher


class ThreadsPublisher(GraphPublisher):
    platform = "threads"
    feed_edge = "threads"

    def __init__(self, user_id: str, token: str, *, media_base_url: str | None = None, **kwargs: Any):
        super().__init__(token, **kwargs)
        self.user_id = user_id
        self.media_base_url = (media_base_url or "").rstrip("/")

    def publish(self, post: OutgoingPost) -> PublishResult:
        fields: dict[str, Any] = {"text": post.fields.get("text", post.body), "media_type": "TEXT"}
        if post.media_keys:
            if not self.media_base_url:
                raise PublishError("threads: a post with media needs PUBLIC_MEDIA_BASE_URL")
            fields.update(media_type="VIDEO", video_url=f"{self.media_base_url}/{post.media_keys[0]}")
        return self.publish_container("threads", fields, wait=bool(post.media_keys))

    @property
    def owner_id(self) -> str:
        return self.user_id

    def graph(self, token: str, base_url: str | None, **options: Any) -> GraphClient:
        if base_url:
            return super().graph(token, base_url, **options)
        return GraphClient.threads(token, **options)
