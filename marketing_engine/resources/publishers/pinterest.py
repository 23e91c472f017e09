"""Pinterest API v5: a pin on a board from a public image URL, or a video pin after registering
and uploading the video (`POST /v5/media`, upload to the returned URL, poll until `succeeded`).
Read-back from the board's pins; OAuth refresh with HTTP Basic client credentials.

Docs: https://developers.pinterest.com/docs/api/v5/pins-create,
https://developers.pinterest.com/docs/api/v5/media-create,
https://developers.pinterest.com/docs/getting-started/authentication-and-scopes/
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from marketing_engine.publishing.outgoing import OutgoingPost, PublishError, PublishRejected, PublishResult
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.pinterest import PinterestApi, settings
from marketing_engine.resources.publishers.base import HttpPublisher, media_file, transport

API = settings.API_URL


class PinterestPublisher(HttpPublisher):
    platform = "pinterest"

    def __init__(
        self,
        access_token: str,
        board_id: str,
        *,
        media_path: Callable[[str], Path] | None = None,
        media_base_url: str | None = None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str = API,
        poll_seconds: float = 3.0,
        max_polls: int = 60,
        **kwargs: Any,
    ):
        token = OAuthToken(access_token, refresh_token, client_id, client_secret)
        super().__init__(PinterestApi(token, base_url=base_url, **transport(kwargs)), **kwargs)
        self.board_id = board_id
        self.media_path, self.media_base_url = media_path, (media_base_url or "").rstrip("/")
        self.base_url = self.api.base
        self.poll_seconds, self.max_polls = poll_seconds, max_polls

    @staticmethod
    def pin_url(pin_id: str) -> str:
        return f"https://www.pinterest.com/pin/{pin_id}/"

    def _media_source(self, post: OutgoingPost) -> dict[str, Any]:
        if not post.media_keys:
            raise PublishRejected("pinterest: a pin needs an image or a video")
        media = (post.payload.get("media") or [{}])[0]
        if media.get("kind", "image") != "video":
            if not self.media_base_url:
                raise PublishRejected("pinterest: an image pin needs PUBLIC_MEDIA_BASE_URL")
            return {"source_type": "image_url", "url": f"{self.media_base_url}/{post.media_keys[0]}"}
        return {
            "source_type": "video_id",
            "media_id": self._upload_video(post.media_keys[0]),
            "cover_image_key_frame_time": 1,
        }

    def _upload_video(self, key: str) -> str:
        path = media_file(self.platform, self.media_path, key)
        registered = self.with_refresh(
            lambda: self.read("POST", f"{self.base_url}/media", json={"media_type": "video"})
        ).json()
        with path.open("rb") as handle:  # a pre-signed upload: the form fields Pinterest gave, then the file
            response = self.client.post(
                registered["upload_url"],
                data=registered.get("upload_parameters", {}),
                files={"file": (path.name, handle, "video/mp4")},
            )
        if response.status_code >= 300:
            raise PublishError(f"pinterest: video upload failed: HTTP {response.status_code}")
        for _ in range(self.max_polls):
            status = self.read("GET", f"{self.base_url}/media/{registered['media_id']}").json().get("status")
            if status == "succeeded":
                return str(registered["media_id"])
            if status == "failed":
                raise PublishRejected(f"pinterest: video {registered['media_id']} processing failed")
            self.sleep(self.poll_seconds)
        raise PublishError(f"pinterest: video {registered['media_id']} still processing")

    def publish(self, post: OutgoingPost) -> PublishResult:
        fields = post.fields
        body = {
            "board_id": self.board_id,
            "title": fields.get("title", ""),
            "description": fields.get("text", ""),
            "link": fields.get("link") or post.link_url,
            "media_source": self._media_source(post),
        }
        pin = self.with_refresh(lambda: self.create("POST", f"{self.base_url}/pins", json=body)).json()
        return PublishResult(str(pin["id"]), self.pin_url(str(pin["id"])))

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        items = (
            self.with_refresh(
                lambda: self.read(
                    "GET", f"{self.base_url}/boards/{self.board_id}/pins", params={"page_size": 50}
                )
            )
            .json()
            .get("items", [])
        )
        wanted = OutgoingPost(post.id, "pinterest", post.idempotency_key, post.fields.get("text", post.body))
        candidates = [
            (
                item.get("description", ""),
                PublishResult(str(item["id"]), self.pin_url(str(item["id"]))),
                datetime.fromisoformat(item["created_at"]) if item.get("created_at") else None,
            )
            for item in items
        ]
        return self.match_text(wanted, candidates, since)

    def verify(self, post_id: str, url: str | None) -> bool:
        return self.answers(lambda: self.read("GET", f"{self.base_url}/pins/{post_id}", max_retries=1))
