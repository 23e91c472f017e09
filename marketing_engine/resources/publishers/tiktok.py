"""TikTok Content Posting API (direct post): `video/init` with FILE_UPLOAD returns an upload URL
and a publish id; the file goes up in chunks (`Content-Range`), then the publish status is polled
until PUBLISH_COMPLETE. Tokens are refreshed with the v2 OAuth endpoint.

Docs: https://developers.tiktok.com/doc/content-posting-api-reference-direct-post,
https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide,
https://developers.tiktok.com/doc/oauth-user-access-token-management
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from marketing_engine.publishing import outgoing
from marketing_engine.resources.http import retry_after_seconds
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.tiktok import TikTokApi, settings, tiktok_error
from marketing_engine.resources.publishers.base import HttpPublisher, TokenExpired, rate_limit_wait, transport

MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64 * 1024 * 1024


def chunk_plan(size: int, chunk: int = 10 * 1024 * 1024) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) as TikTok wants them: files under 5 MB go up whole; the last
    chunk takes the remainder (so it may be up to twice the chunk size)."""
    if size <= MIN_CHUNK:
        return size, 1
    chunk = max(MIN_CHUNK, min(chunk, MAX_CHUNK))
    return chunk, max(1, size // chunk)


class TikTokPublisher(HttpPublisher):
    platform = "tiktok"

    def __init__(
        self,
        access_token: str,
        *,
        media_path: Callable[[str], Path],
        refresh_token: str | None = None,
        client_key: str | None = None,
        client_secret: str | None = None,
        base_url: str = settings.API_URL,
        privacy_level: str = "PUBLIC_TO_EVERYONE",
        poll_seconds: float = 3.0,
        max_polls: int = 100,
        **kwargs: Any,
    ):
        token = OAuthToken(access_token, refresh_token, client_key, client_secret)
        super().__init__(TikTokApi(token, base_url=base_url, **transport(kwargs)), **kwargs)
        self.media_path = media_path
        self.base_url = self.api.base
        self.privacy_level = privacy_level
        self.poll_seconds, self.max_polls = poll_seconds, max_polls

    def check(self, response: httpx.Response) -> httpx.Response:
        """TikTok answers errors as {"error": {"code": "...", "message": "..."}}, sometimes with HTTP 200."""
        code, detail = tiktok_error(response)
        if response.status_code < 400 and code == "ok":
            return response
        message = f"tiktok: HTTP {response.status_code}: {code}: {detail}"
        if response.status_code == 429 or code in settings.RATE_LIMIT_CODES:
            wait = rate_limit_wait(retry_after_seconds(response), settings.RATE_LIMIT_WAIT)
            raise outgoing.RateLimited("tiktok", wait, message)
        if response.status_code == 401 or code in settings.EXPIRED_TOKEN_CODES:
            raise TokenExpired(message)
        if response.status_code >= 500:
            raise outgoing.AmbiguousPublish(message)
        raise outgoing.PublishRejected(message)

    def publish(self, post: outgoing.OutgoingPost) -> outgoing.PublishResult:
        if not post.media_keys:
            raise outgoing.PublishRejected("tiktok: a post needs a video")
        path = self.media_path(post.media_keys[0])
        size = path.stat().st_size
        chunk, count = chunk_plan(size)
        body = {
            "post_info": {
                "title": post.fields.get("text", post.body),
                "privacy_level": self.privacy_level,
                "disable_comment": False,
            },
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": size,
                "chunk_size": chunk,
                "total_chunk_count": count,
            },
        }
        data = self.with_refresh(
            lambda: self.create("POST", f"{self.base_url}/v2/post/publish/video/init/", json=body)
        ).json()["data"]
        self._upload(data["upload_url"], path, size, chunk, count)
        return self._wait_published(data["publish_id"])

    def _upload(self, url: str, path: Path, size: int, chunk: int, count: int) -> None:
        with path.open("rb") as handle:
            for index in range(count):
                start = index * chunk
                end = size if index == count - 1 else start + chunk
                handle.seek(start)
                payload = handle.read(end - start)
                response = self.client.put(
                    url,
                    content=payload,
                    headers={
                        "Content-Type": "video/mp4",
                        "Content-Length": str(len(payload)),
                        "Content-Range": f"bytes {start}-{end - 1}/{size}",
                    },
                )
                if response.status_code not in (200, 201, 206):
                    raise outgoing.PublishError(
                        f"tiktok: chunk {index + 1}/{count} upload failed: HTTP {response.status_code}"
                    )

    def _wait_published(self, publish_id: str) -> outgoing.PublishResult:
        for _ in range(self.max_polls):
            try:
                response = self.check(
                    self.read(
                        "POST",
                        f"{self.base_url}/v2/post/publish/status/fetch/",
                        json={"publish_id": publish_id},
                    )
                )
            except (
                outgoing.PublishError
            ) as exc:  # TikTok has the post: never send it again, let the reconciler look
                raise outgoing.AcceptedUnconfirmed(
                    f"tiktok: publish {publish_id} accepted, status unknown: {exc}"
                ) from None
            data = response.json()["data"]
            if data["status"] == "PUBLISH_COMPLETE":
                ids = data.get("publicaly_available_post_id") or []  # (sic) the API's spelling
                post_id = str(ids[0]) if ids else publish_id
                return outgoing.PublishResult(
                    post_id, f"https://www.tiktok.com/video/{post_id}" if ids else None
                )
            if data["status"] == "FAILED":
                raise outgoing.PublishRejected(
                    f"tiktok: publish {publish_id} failed: {data.get('fail_reason', 'unknown')}"
                )
            self.sleep(self.poll_seconds)
        raise outgoing.AcceptedUnconfirmed(
            f"tiktok: publish {publish_id} still processing after {self.max_polls} polls"
        )

    def find(
        self, post: outgoing.OutgoingPost, since: datetime | None = None
    ) -> outgoing.PublishResult | None:
        response = self.with_refresh(
            lambda: self.check(
                self.read(
                    "POST",
                    f"{self.base_url}/v2/video/list/?fields=id,video_description,create_time,share_url",
                    json={"max_count": 20},
                )
            )
        )
        candidates = [
            (
                v.get("video_description", ""),
                outgoing.PublishResult(str(v["id"]), v.get("share_url")),
                datetime.fromtimestamp(v["create_time"], UTC) if v.get("create_time") else None,
            )
            for v in response.json().get("data", {}).get("videos", [])
        ]
        return self.match_text(post, candidates, since)

    def verify(self, post_id: str, url: str | None) -> bool:
        response = self.check(
            self.read(
                "POST",
                f"{self.base_url}/v2/video/query/?fields=id",
                json={"filters": {"video_ids": [post_id]}},
            )
        )
        return bool(response.json().get("data", {}).get("videos"))
