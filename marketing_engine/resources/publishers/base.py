"""What every HTTP publisher shares: the create call that sorts a platform's answer into the
errors exactly-once publishing needs, and reads under the platform's retry policy.

Each publisher talks to its platform through that platform's client
(`marketing_engine.resources.platforms.<platform>`), which holds the auth, the settings and the
retry policy. Creates are sent once (`send_once`): a create is not idempotent, so a timeout or 5xx
must not be repeated blindly (the queue reads the account back first, see `publishing.queue`).
Reads (recent posts, container status) are idempotent and go through the policy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from marketing_engine.publishing.outgoing import (
    AmbiguousPublish,
    OutgoingPost,
    PublishError,
    PublishRejected,
    PublishResult,
    RateLimited,
    normalize_text,
)
from marketing_engine.resources.http import error_message, retry_after_seconds
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.retry import ProviderError

DEFAULT_RATE_LIMIT_WAIT = 60.0


class TokenExpired(PublishRejected):
    """401: the access token is expired or revoked; publishers with a refresh flow refresh once."""


class NotSent(RateLimited):
    """The connection failed before the request went out: nothing reached the platform."""


def rate_limit_wait(asked: float | None, platform_wait: float | None) -> float:
    """The wait the platform asked for, else its settings' rate-limit wait, else a minute."""
    if asked is not None:
        return asked
    return DEFAULT_RATE_LIMIT_WAIT if platform_wait is None else platform_wait


def media_file(platform: str, media_path: Callable[[str], Path] | None, key: str) -> Path:
    """The local file of a media key, or a refusal when the publisher has no media store."""
    if media_path is None:
        raise PublishRejected(f"{platform}: a post with media needs the media store")
    return media_path(key)


def transport(options: dict[str, Any]) -> dict[str, Any]:
    """The httpx options a publisher hands on to its platform client (taken out of `options`)."""
    return {key: options.pop(key) for key in ("client", "timeout") if key in options}


class HttpPublisher:
    """Base of the httpx publishers. Subclasses set `platform`, build their platform client and
    implement publish/find/verify."""

    platform = "generic"
    flush_every = 1

    def __init__(
        self,
        api: PlatformClient,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int | None = None,
    ):
        self.api = api
        self.client = api.http
        self.sleep = sleep
        api.sleep = sleep
        if max_retries is not None:
            api.policy = api.policy.tries(max_retries)

    @property
    def access_token(self) -> str | None:
        token = getattr(self.api, "token", None)
        return token.access if isinstance(token, OAuthToken) else token

    @property
    def refresh_token(self) -> str | None:
        token = getattr(self.api, "token", None)
        return token.refresh if isinstance(token, OAuthToken) else None

    def headers(self) -> dict[str, str]:
        return self.api.auth_headers()

    def create(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One create request, never retried here; the answer decides what the queue does next."""
        try:
            response = self.api.send_once(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NotSent(self.platform, 5.0, f"connection failed ({type(exc).__name__})") from None
        except httpx.TransportError as exc:  # read timeouts included: the post may be there
            raise AmbiguousPublish(f"{self.platform}: {type(exc).__name__} on create") from None
        return self.check(response)

    def check(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        message = error_message(response)
        if status == 429:
            wait = rate_limit_wait(retry_after_seconds(response), self.api.policy.rate_limit_wait)
            raise RateLimited(self.platform, wait, message)
        if status == 401:
            raise TokenExpired(f"{self.platform}: HTTP 401: {message}")
        if status >= 500:
            raise AmbiguousPublish(f"{self.platform}: HTTP {status}: {message}")
        raise PublishRejected(f"{self.platform}: HTTP {status}: {message}")

    def read(self, method: str, url: str, max_retries: int | None = None, **kwargs: Any) -> httpx.Response:
        """An idempotent request under the platform's retry policy; failures become PublishError."""
        return self.platform_call(lambda: self.api.request(method, url, retries=max_retries, **kwargs))

    @staticmethod
    def platform_call(call: Callable[[], Any]) -> Any:
        """Run a platform client call; its final errors become the queue's (401: TokenExpired)."""
        try:
            return call()
        except ProviderError as exc:
            if exc.status == 401:
                raise TokenExpired(str(exc)) from None
            raise PublishError(str(exc)) from None

    def refresh(self) -> bool:
        """Get a new access token; False where the platform has no refresh flow."""
        refresh = getattr(self.api, "refresh", None)
        try:
            return bool(refresh and refresh())
        except ProviderError as exc:  # a refused refresh will not mend itself: the post fails
            raise PublishRejected(f"{self.platform}: token refresh failed: {exc}") from None

    def with_refresh(self, call: Callable[[], Any]) -> Any:
        """Run `call`; on an expired token refresh once and run it again."""
        try:
            return call()
        except TokenExpired:
            if not self.refresh():
                raise
            return call()

    @staticmethod
    def answers(read: Callable[[], Any], gone: tuple[int, ...] = (404,)) -> bool:
        """Whether a post still exists: True when `read` (a read of it) succeeds, False when the
        platform answers with one of the `gone` statuses; other errors propagate."""
        try:
            read()
        except PublishError as exc:
            if any(f"HTTP {status}" in str(exc) for status in gone):
                return False
            raise
        return True

    @staticmethod
    def match_text(
        post: OutgoingPost,
        candidates: list[tuple[str, PublishResult, datetime | None]],
        since: datetime | None,
    ) -> PublishResult | None:
        """The candidate whose text is this post's text (links aside), created after `since`."""
        wanted = normalize_text(post.body)
        for text, result, created in candidates:
            if normalize_text(text) == wanted and (since is None or created is None or created >= since):
                return result
        return None
