"""Facebook Pages: `POST /{page-id}/feed` with a message and link (or `/{page-id}/videos` with a
public file URL for video), read-back from the page feed.

Docs: https://developers.facebook.com/docs/pages-api/posts,
https://developers.facebook.com/docs/video-api/guides/publishing. Page tokens from a long-lived user
token do not expire, so there is no refresh flow: an expired token (code 190) fails the post.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishRejected, PublishResult
from marketing_engine.resources.publishers.graph import GraphPublisher


class FacebookPublisher(GraphPublisher):
    platform = "facebook"
    feed_edge, text_field, link_field, time_field = "feed", "message", "permalink_url", "created_time"

    def __init__(self, page_id: str, page_token: str, *, media_base_url: str | None = None, **kwargs: Any):
        super().__init__(page_token, **kwargs)
        self.page_id = page_id
        self.media_base_url = (media_base_url or "").rstrip("/")

    @property
    def owner_id(self) -> str:
        return self.page_id

    def publish(self, post: OutgoingPost) -> PublishResult:
        if post.media_keys:
            return self._publish_video(post)
        data = {"message": post.fields.get("text", post.body)}
        if post.link_url:
            data["link"] = post.link_url
        response = self.create("POST", f"{self.base_url}/{self.page_id}/feed", data=self.params(**data))
        post_id = response.json()["id"]
        return PublishResult(post_id, f"https://www.facebook.com/{post_id}")

    def _publish_video(self, post: OutgoingPost) -> PublishResult:
        """`POST /{page-id}/videos` with a public file URL (Facebook fetches it)."""
        if not self.media_base_url:
            raise PublishRejected("facebook: a video post needs PUBLIC_MEDIA_BASE_URL")
        data = {
            "file_url": f"{self.media_base_url}/{post.media_keys[0]}",
            "description": post.fields.get("text", post.body),
        }
        video_id = self.create(
            "POST", f"{self.base_url}/{self.page_id}/videos", data=self.params(**data)
        ).json()["id"]
        return PublishResult(video_id, f"https://www.facebook.com/{self.page_id}/videos/{video_id}/")

    def parse_time(self, value: str) -> datetime:
        return datetime.fromisoformat(value)
