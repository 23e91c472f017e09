"""What every HTTP publisher shares: the create call that sorts a platform's answer into the
errors exactly-once publishing needs, and reads that use the shared retry policy.

Creates are not sent through `send_with_retry`: a create is not idempotent, so a timeout or 5xx
must not be repeated blindly (the queue reads the account back first, see `publishing.queue`).
Reads (recent posts, container status) are idempotent and use `send_with_retry`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
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
from marketing_engine.resources.http import ProviderError, error_message, retry_after_seconds, send_with_retry

DEFAULT_RATE_LIMIT_WAIT = 60.0


class TokenExpired(PublishRejected):
    """401: the access token is expired or revoked; publishers with a refresh flow refresh once."""


class NotSent(RateLimited):
    """The connection failed before the request went out: nothing reached the platform."""


class HttpPublisher:
    """Base of the httpx publishers. Subclasses set `platform` and implement publish/find/verify."""

    platform = "generic"
    flush_every = 1

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 4,
    ):
        self.client = client or httpx.Client(timeout=timeout)
        self.sleep = sleep
        self.max_retries = max_retries

    def headers(self) -> dict[str, str]:
        return {}

    def create(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One create request, never retried here; the answer decides what the queue does next."""
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        try:
            response = self.client.request(method, url, headers=headers, **kwargs)
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
            wait = retry_after_seconds(response)
            raise RateLimited(self.platform, DEFAULT_RATE_LIMIT_WAIT if wait is None else wait, message)
        if status == 401:
            raise TokenExpired(f"{self.platform}: HTTP 401: {message}")
        if status >= 500:
            raise AmbiguousPublish(f"{self.platform}: HTTP {status}: {message}")
        raise PublishRejected(f"{self.platform}: HTTP {status}: {message}")

    def read(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """An idempotent request with the shared retry policy; failures become PublishError."""
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        try:
            retries = kwargs.pop("max_retries", self.max_retries)
            return send_with_retry(
                self.client,
                method,
                url,
                provider=self.platform,
                headers=headers,
                sleep=self.sleep,
                max_retries=retries,
                **kwargs,
            )
        except ProviderError as exc:
            if exc.status == 401:
                raise TokenExpired(str(exc)) from None
            raise PublishError(str(exc)) from None

    def refresh(self) -> bool:
        """Get a new access token; False where the platform has no refresh flow."""
        return False

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
