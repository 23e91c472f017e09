"""What every platform's httpx client shares: its provider name, auth headers and retry policy.

`request` sends through the platform's retry policy (reads and other idempotent calls);
`send_once` sends once (a create that must not be repeated blindly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from marketing_engine.resources.http import failure, json_object, send_with_retry
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient


@dataclass
class OAuthToken:
    """An OAuth 2.0 user token and what refreshing it takes."""

    access: str | None
    refresh: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def refreshable(self) -> bool:
        return bool(self.refresh and self.client_id and self.client_secret)


class PlatformClient:
    """httpx transport for one platform. Subclasses set `policy` (their settings' RETRY) and
    `auth_headers()`, and `sort()` where the platform answers errors its own way."""

    policy = RetryPolicy()

    def __init__(
        self,
        provider: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        policy: RetryPolicy | None = None,
        **client_options: Any,
    ):
        self.provider = provider
        self.http = client or httpx.Client(timeout=timeout, **client_options)
        self.sleep = sleep
        if policy is not None:
            self.policy = policy

    def auth_headers(self) -> dict[str, str]:
        return {}

    def sort(self, provider: str, response: httpx.Response) -> Transient | ProviderError:
        return failure(provider, response)

    def _headers(self, kwargs: dict[str, Any]) -> dict[str, str]:
        return {**self.auth_headers(), **(kwargs.pop("headers", None) or {})}

    def request(self, method: str, url: str, *, retries: int | None = None, **kwargs: Any) -> httpx.Response:
        """An idempotent request under the platform's retry policy; ProviderError when it fails."""
        headers = self._headers(kwargs)
        policy = self.policy if retries is None else self.policy.tries(retries)
        return send_with_retry(
            self.http,
            method,
            url,
            provider=self.provider,
            policy=policy,
            sleep=self.sleep,
            sort=self.sort,
            headers=headers,
            **kwargs,
        )

    def get_json(self, url: str, **kwargs: Any) -> dict:
        """GET under the retry policy; the answer's JSON object (ProviderError when it is not one)."""
        return json_object(self.request("GET", url, **kwargs), self.provider)

    def send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with the platform's auth, never retried (transport errors propagate)."""
        return self.http.request(method, url, headers=self._headers(kwargs), **kwargs)
