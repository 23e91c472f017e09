"""What Facebook Pages, Instagram and Threads share: the Graph API's error shape, where rate limits
and expired tokens come back as codes in a JSON body (often with HTTP 400), and the container →
status → publish flow.

Docs: https://developers.facebook.com/docs/graph-api/guides/error-handling,
https://developers.facebook.com/docs/graph-api/overview/rate-limiting
"""

from __future__ import annotations

from typing import Any

import httpx

from marketing_engine.publishing.outgoing import AmbiguousPublish, PublishRejected, RateLimited
from marketing_engine.resources.http import error_message, retry_after_seconds
from marketing_engine.resources.publishers.base import DEFAULT_RATE_LIMIT_WAIT, HttpPublisher, TokenExpired

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80004})
TRANSIENT_CODES = frozenset({1, 2})
EXPIRED_TOKEN_CODE = 190


class GraphPublisher(HttpPublisher):
    api = "https://graph.facebook.com/v21.0"

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        poll_seconds: float = 2.0,
        max_polls: int = 60,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.token = token
        self.base_url = (base_url or self.api).rstrip("/")
        self.poll_seconds, self.max_polls = poll_seconds, max_polls

    def params(self, **values: Any) -> dict[str, Any]:
        return {**values, "access_token": self.token}

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code < 400:
            return response
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        code = error.get("code")
        message = f"{self.platform}: HTTP {response.status_code}: {error_message(response)}"
        if code in RATE_LIMIT_CODES or response.status_code == 429:
            wait = retry_after_seconds(response)
            raise RateLimited(self.platform, DEFAULT_RATE_LIMIT_WAIT * 5 if wait is None else wait, message)
        if code == EXPIRED_TOKEN_CODE or response.status_code == 401:
            raise TokenExpired(message)
        if code in TRANSIENT_CODES or response.status_code >= 500:
            raise AmbiguousPublish(message)
        raise PublishRejected(message)

    def wait_for_container(self, container_id: str) -> None:
        """Poll a media container until the platform has processed it (FINISHED)."""
        for _ in range(self.max_polls):
            response = self.check(
                self.read(
                    "GET", f"{self.base_url}/{container_id}", params=self.params(fields="status_code,status")
                )
            )
            status = response.json().get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                detail = response.json().get("status", "")
                raise PublishRejected(f"{self.platform}: media container {container_id} {status}: {detail}")
            self.sleep(self.poll_seconds)
        raise PublishRejected(
            f"{self.platform}: media container {container_id} not ready after "
            f"{self.max_polls * self.poll_seconds:.0f} s"
        )
