"""Instagram (professional accounts): create a media container from a public media URL, poll its
status until FINISHED, then `media_publish` it. Only the publish call is a create; a container that
is never published expires on its own.

Docs: https://developers.facebook.com/docs/instagram-platform/content-publishing
"""

from __future__ import annotations

from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishRejected, PublishResult
from marketing_engine.resources.publishers.graph import GraphPublisher


class InstagramPublisher(GraphPublisher):
    platform = "instagram"
    feed_edge, text_field = "media", "caption"

    def __init__(self, user_id: str, token: str, *, media_base_url: str, **kwargs: Any):
        super().__init__(token, **kwargs)
        self.user_id = user_id
        self.media_base_url = media_base_url.rstrip("/")

    def publish(self, post: OutgoingPost) -> PublishResult:
        if not post.media_keys:
            raise PublishRejected("instagram: a post needs an image or a video")
        media = (post.payload.get("media") or [{}])[0]
        url = f"{self.media_base_url}/{post.media_keys[0]}"
        fields = {"caption": post.fields.get("text", post.body)}
        if media.get("kind", "video") == "video":
            fields.update(media_type="REELS", video_url=url)
        else:
            fields["image_url"] = url
        return self.publish_container("media", fields, wait=True)

    @property
    def owner_id(self) -> str:
        return self.user_id
