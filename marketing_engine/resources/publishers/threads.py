"""Threads: container (`POST /{user}/threads`) → status for video → `threads_publish`; read-back
from the user's threads; long-lived tokens refreshed with `th_refresh_token`.

Docs: https://developers.facebook.com/docs/threads/posts,
https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishError, PublishResult
from marketing_engine.resources.publishers.graph import GraphPublisher


class ThreadsPublisher(GraphPublisher):
    platform = "threads"
    api = "https://graph.threads.net/v1.0"

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
        # a container is not a post (it expires unpublished), so creating one again is harmless
        container = self.with_refresh(
            lambda: self.create("POST", f"{self.base_url}/{self.user_id}/threads", data=self.params(**fields))
        ).json()["id"]
        if post.media_keys:
            self.wait_for_container(container)
        thread_id = self.with_refresh(
            lambda: self.create(
                "POST",
                f"{self.base_url}/{self.user_id}/threads_publish",
                data=self.params(creation_id=container),
            )
        ).json()["id"]
        permalink = (
            self.check(
                self.read("GET", f"{self.base_url}/{thread_id}", params=self.params(fields="permalink"))
            )
            .json()
            .get("permalink")
        )
        return PublishResult(thread_id, permalink)

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        response = self.with_refresh(
            lambda: self.check(
                self.read(
                    "GET",
                    f"{self.base_url}/{self.user_id}/threads",
                    params=self.params(fields="id,text,permalink,timestamp", limit=50),
                )
            )
        )
        candidates = [
            (
                item.get("text", ""),
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

    def refresh(self) -> bool:
        response = self.read(
            "GET",
            "https://graph.threads.net/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": self.token},
        )
        self.token = response.json()["access_token"]
        return True
