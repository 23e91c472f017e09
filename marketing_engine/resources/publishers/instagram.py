"""Instagram (professional accounts): create a media container from a public media URL, poll its
status until FINISHED, then `media_publish` it. Only the publish call is a create; a container that
is never published expires on its own.

Docs: https://developers.facebook.com/docs/instagram-platform/content-publishing
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishError, PublishRejected, PublishResult
from marketing_engine.resources.publishers.graph import GraphPublisher


class InstagramPublisher(GraphPublisher):
    platform = "instagram"

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
        # a container is not a post (it expires unpublished), so creating one again is harmless
        container = self.create(
            "POST", f"{self.base_url}/{self.user_id}/media", data=self.params(**fields)
        ).json()["id"]
        self.wait_for_container(container)
        media_id = self.create(
            "POST", f"{self.base_url}/{self.user_id}/media_publish", data=self.params(creation_id=container)
        ).json()["id"]
        permalink = (
            self.check(
                self.read("GET", f"{self.base_url}/{media_id}", params=self.params(fields="permalink"))
            )
            .json()
            .get("permalink")
        )
        return PublishResult(media_id, permalink)

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        response = self.check(
            self.read(
                "GET",
                f"{self.base_url}/{self.user_id}/media",
                params=self.params(fields="id,caption,permalink,timestamp", limit=50),
            )
        )
        candidates = [
            (
                item.get("caption", ""),
                PublishResult(item["id"], item.get("permalink")),
                datetime.strptime(item["timestamp"], "%Y-%m-%dT%H:%M:%S%z")
                if item.get("timestamp")
                else None,
            )
            for item in response.json().get("data", [])
        ]
        return self.match_text(post, candidates, since)

    def verify(self, post_id: str, url: str | None) -> bool:
        try:
            self.check(
                self.read("GET", f"{self.base_url}/{post_id}", params=self.params(fields="id"), max_retries=1)
            )
        except PublishError as exc:
            if "HTTP 404" in str(exc) or "HTTP 400" in str(exc):
                return False
            raise
        return True
