"""YouTube: `videos.insert` with a resumable upload through google-api-python-client; read-back
through `search.list(forMine=True)`; OAuth refresh by google-auth credentials. Auth, the service
and Google's error reasons come from `marketing_engine.resources.platforms.google`.

Docs: https://developers.google.com/youtube/v3/docs/videos/insert,
https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from marketing_engine.publishing.outgoing import (
    AmbiguousPublish,
    OutgoingPost,
    PublishRejected,
    PublishResult,
    RateLimited,
)
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.google import build_service, settings, user_credentials
from marketing_engine.resources.platforms.google.client import reason
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired


class YouTubePublisher:
    platform = "youtube"
    flush_every = 1

    def __init__(
        self,
        *,
        media_path: Callable[[str], Path],
        access_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        http: Any = None,
        chunksize: int = 8 * 1024 * 1024,
        privacy: str = "public",
        category_id: str = "22",
    ):
        self.media_path = media_path
        self.token = OAuthToken(access_token, refresh_token, client_id, client_secret)
        self.http = http
        self.chunksize, self.privacy, self.category_id = chunksize, privacy, category_id
        self._service: Any = None

    def service(self) -> Any:
        if self._service is None:
            http = self.http
            if http is None:
                import google_auth_httplib2

                # refreshes an expired token itself
                http = google_auth_httplib2.AuthorizedHttp(user_credentials(self.token))
            self._service = build_service(settings.YOUTUBE_DATA, http=http)
        return self._service

    def _call(self, call: Callable[[], Any]) -> Any:
        from googleapiclient.errors import HttpError

        try:
            return call()
        except HttpError as exc:
            status, why = exc.resp.status, reason(exc)
            message = f"youtube: HTTP {status}: {why}"
            if status == 429 or why in settings.RATE_LIMIT_REASONS:
                raise RateLimited("youtube", settings.RATE_LIMIT_WAIT, message) from None
            if status == 401:
                raise TokenExpired(message) from None
            if status >= 500:
                raise AmbiguousPublish(message) from None
            raise PublishRejected(message) from None
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise AmbiguousPublish(f"youtube: {type(exc).__name__} during upload") from None

    def publish(self, post: OutgoingPost) -> PublishResult:
        from googleapiclient.http import MediaFileUpload

        if not post.media_keys:
            raise PublishRejected("youtube: a post needs a video")
        fields = post.fields
        body = {
            "snippet": {
                "title": fields.get("title", post.body[:100]),
                "description": fields.get("text", ""),
                "categoryId": self.category_id,
            },
            "status": {"privacyStatus": self.privacy, "selfDeclaredMadeForKids": False},
        }
        media = MediaFileUpload(
            str(self.media_path(post.media_keys[0])),
            mimetype="video/mp4",
            chunksize=self.chunksize,
            resumable=True,
        )
        request = self.service().videos().insert(part="snippet,status", body=body, media_body=media)
        response = None
        while response is None:  # the client retries a failed chunk itself (5xx) before giving up
            _status, response = self._call(lambda: request.next_chunk(num_retries=3))
        video_id = response["id"]
        return PublishResult(video_id, f"https://www.youtube.com/watch?v={video_id}")

    def find(self, post: OutgoingPost, since: datetime | None = None) -> PublishResult | None:
        response = self._call(
            lambda: (
                self.service()
                .search()
                .list(part="snippet", forMine=True, type="video", order="date", maxResults=25)
                .execute()
            )
        )
        title = post.fields.get("title", post.body[:100])
        candidates = [
            (
                item["snippet"]["title"],
                PublishResult(
                    item["id"]["videoId"], f"https://www.youtube.com/watch?v={item['id']['videoId']}"
                ),
                datetime.fromisoformat(item["snippet"]["publishedAt"]),
            )
            for item in response.get("items", [])
        ]
        return HttpPublisher.match_text(
            OutgoingPost(post.id, "youtube", post.idempotency_key, title), candidates, since
        )

    def verify(self, post_id: str, url: str | None) -> bool:
        response = self._call(lambda: self.service().videos().list(part="id,status", id=post_id).execute())
        return bool(response.get("items"))
