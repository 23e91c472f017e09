"""X: tweepy's v2 `Client.create_tweet` (threads as replies via `in_reply_to_tweet_id`), read-back
through the user's recent posts, and the OAuth 2.0 refresh-token flow.

Docs: https://docs.x.com/x-api/posts/create-post, https://docs.x.com/x-api/users/get-posts,
https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
Video goes up through the v2 chunked media upload (initialize → append → finalize → status):
https://docs.x.com/x-api/media/quickstart/media-upload-chunked
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from marketing_engine.publishing import outgoing
from marketing_engine.resources.platforms.x import XApi, settings, tweepy_message
from marketing_engine.resources.platforms.x.client import reset_wait
from marketing_engine.resources.publishers.base import (
    HttpPublisher,
    NotSent,
    TokenExpired,
    media_file,
    rate_limit_wait,
)
from marketing_engine.resources.retry import ProviderError


class XPublisher:
    platform = "x"
    flush_every = 1

    def __init__(
        self,
        access_token: str,
        *,
        media_path: Callable[[str], Path] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_polls: int = 60,
        **auth: Any,
    ):
        """`auth`: the token's refresh fields and transport options, as `XApi` takes them."""
        self.api = XApi(access_token, sleep=sleep, **auth)
        self.client = self.api.tweepy
        self._me: str | None = None
        self.media_path, self.sleep, self.max_polls = media_path, sleep, max_polls
        self._thread_progress: dict[str, list[str]] = {}

    @property
    def refresh_token(self) -> str | None:
        return self.api.token.refresh

    def _rate_limited(self, headers: Any, message: str = "rate limited") -> outgoing.RateLimited:
        return outgoing.RateLimited(
            "x", rate_limit_wait(reset_wait(headers), settings.RATE_LIMIT_WAIT), message
        )

    def _call(self, call: Callable[[], Any]) -> Any:
        """Run a tweepy call; sort its errors into the queue's."""
        import requests
        import tweepy

        try:
            return call()
        except tweepy.TooManyRequests as exc:
            raise self._rate_limited(exc.response.headers, tweepy_message(exc)) from None
        except tweepy.Unauthorized as exc:
            raise TokenExpired(f"x: HTTP 401: {tweepy_message(exc)}") from None
        except tweepy.TwitterServerError as exc:
            raise outgoing.AmbiguousPublish(
                f"x: HTTP {exc.response.status_code}: {tweepy_message(exc)}"
            ) from None
        except tweepy.Forbidden as exc:
            if "duplicate" in tweepy_message(exc).lower():  # X refuses the same text twice: it may be ours
                raise outgoing.AmbiguousPublish(f"x: HTTP 403: {tweepy_message(exc)}") from None
            raise outgoing.PublishRejected(f"x: HTTP 403: {tweepy_message(exc)}") from None
        except tweepy.HTTPException as exc:
            raise outgoing.PublishRejected(
                f"x: HTTP {exc.response.status_code}: {tweepy_message(exc)}"
            ) from None
        except requests.ConnectTimeout:
            raise NotSent("x", 5.0, "connection timed out before sending") from None
        except (
            requests.ConnectionError,
            requests.Timeout,
        ) as exc:  # may have been sent: look before retrying
            raise outgoing.AmbiguousPublish(f"x: {type(exc).__name__} on create") from None

    def _with_refresh(self, call: Callable[[], Any]) -> Any:
        return HttpPublisher.with_refresh(self, lambda: self._call(call))  # type: ignore[arg-type]

    def publish(self, post: outgoing.OutgoingPost) -> outgoing.PublishResult:
        # parts already posted in an earlier try of this post (a rate limit mid-thread): continue after them
        done = self._thread_progress.setdefault(post.idempotency_key, [])
        texts = [post.fields.get("text", post.body), *post.parts]
        media_ids = [self._upload(key) for key in post.media_keys] if not done else []
        for index in range(len(done), len(texts)):
            response = self._with_refresh(
                partial(
                    self.client.create_tweet,
                    text=texts[index],
                    user_auth=False,
                    in_reply_to_tweet_id=done[-1] if done else None,
                    media_ids=media_ids if index == 0 and media_ids else None,
                )
            )
            done.append(str(response.data["id"]))
        head = done[0]
        del self._thread_progress[post.idempotency_key]
        return outgoing.PublishResult(head, f"https://x.com/i/web/status/{head}")

    def _media_request(self, method: str, url: str, **kwargs: Any) -> dict:
        import requests

        try:
            response = self.client.session.request(method, url, headers=self.api.auth_headers(), **kwargs)
        except requests.RequestException as exc:
            raise outgoing.PublishError(f"x: media upload: {type(exc).__name__}") from None
        if response.status_code == 429:
            raise self._rate_limited(response.headers)
        if response.status_code >= 400:
            raise outgoing.PublishError(
                f"x: media upload: HTTP {response.status_code}: {response.text[:200]}"
            )
        return response.json() if response.content else {}

    def _upload(self, key: str) -> str:
        """Chunked v2 upload of one video; returns the media id once X has processed it."""
        path = media_file(self.platform, self.media_path, key)
        size = path.stat().st_size
        media_id = self._media_request(
            "POST",
            f"{settings.MEDIA_URL}/initialize",
            json={"media_type": "video/mp4", "total_bytes": size, "media_category": "tweet_video"},
        )["data"]["id"]
        with path.open("rb") as handle:
            for index, chunk in enumerate(iter(lambda: handle.read(settings.MEDIA_CHUNK), b"")):
                self._media_request(
                    "POST",
                    f"{settings.MEDIA_URL}/{media_id}/append",
                    data={"segment_index": index},
                    files={"media": ("chunk", chunk, "application/octet-stream")},
                )
        info = self._media_request("POST", f"{settings.MEDIA_URL}/{media_id}/finalize")["data"].get(
            "processing_info"
        )
        for _ in range(self.max_polls):
            if not info or info.get("state") == "succeeded":
                return str(media_id)
            if info.get("state") == "failed":
                raise outgoing.PublishRejected(
                    f"x: video {media_id} processing failed: {info.get('error', '')}"
                )
            self.sleep(float(info.get("check_after_secs", 2)))
            info = self._media_request(
                "GET", settings.MEDIA_URL, params={"media_id": media_id, "command": "STATUS"}
            )["data"].get("processing_info")
        raise outgoing.PublishError(f"x: video {media_id} still processing")

    def find(
        self, post: outgoing.OutgoingPost, since: datetime | None = None
    ) -> outgoing.PublishResult | None:
        if self._me is None:
            self._me = str(self._with_refresh(partial(self.client.get_me, user_auth=False)).data["id"])
        response = self._with_refresh(
            partial(
                self.client.get_users_tweets,
                self._me,
                max_results=50,
                tweet_fields=["created_at"],
                user_auth=False,
            )
        )
        candidates = [
            (
                t["text"],
                outgoing.PublishResult(str(t["id"]), f"https://x.com/i/web/status/{t['id']}"),
                t.get("created_at"),
            )
            for t in (response.data or [])
        ]
        head = outgoing.OutgoingPost(post.id, "x", post.idempotency_key, post.fields.get("text", post.body))
        return HttpPublisher.match_text(head, candidates, since)

    def verify(self, post_id: str, url: str | None) -> bool:
        import tweepy

        try:
            response = self._with_refresh(partial(self.client.get_tweet, post_id, user_auth=False))
        except outgoing.PublishRejected as exc:
            if "HTTP 404" in str(exc):
                return False
            raise
        except tweepy.NotFound:
            return False
        return response.data is not None

    def refresh(self) -> bool:
        """OAuth 2.0: trade the refresh token for a new access token (and a new refresh token)."""
        try:
            return self.api.refresh()
        except ProviderError as exc:
            raise outgoing.PublishRejected(str(exc)) from None
