"""One retry policy for every HTTP provider client that has no SDK retry of its own.

429 and 5xx are retried with exponential backoff that honours `Retry-After` (seconds or an HTTP
date) and `x-ratelimit-reset` (epoch seconds), capped by `max_wait`; other 4xx fail at once with
the provider's own message. Errors are `ProviderError`s naming the provider and status, and never
include request headers (where tokens live).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


class ProviderError(RuntimeError):
    """A provider call that failed for good, with the provider, HTTP status and its message."""

    def __init__(self, provider: str, message: str, status: int | None = None, retryable: bool = False):
        self.provider = provider
        self.status = status
        self.retryable = retryable
        prefix = f"{provider}: HTTP {status}" if status else provider
        super().__init__(f"{prefix}: {message}")


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """How long the provider asked us to wait, from Retry-After or x-ratelimit-reset headers."""
    now = time.time() if now is None else now
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - now)
    for header in ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        value = response.headers.get(header)
        if value:
            try:
                reset = float(value)
            except ValueError:
                continue
            # Some providers send an epoch timestamp, others seconds from now.
            return max(0.0, reset - now) if reset > 1e9 else max(0.0, reset)
    return None


def error_message(response: httpx.Response) -> str:
    """The provider's own error text, from common JSON shapes or the raw body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("type") or error)[:300]
        for key in ("message", "error_description", "detail", "error", "title"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]


def send_with_retry(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    max_retries: int = 4,
    base_delay: float = 0.5,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; retry 429/5xx and transport errors; raise ProviderError when it fails."""
    attempt = 0
    while True:
        try:
            response = client.request(method, url, **kwargs)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if attempt >= max_retries:
                raise ProviderError(
                    provider, f"{type(exc).__name__} after {attempt + 1} attempts", retryable=True
                ) from None
            wait = base_delay * 2**attempt
        else:
            if response.status_code < 400:
                return response
            retryable = response.status_code in RETRY_STATUSES
            if not retryable or attempt >= max_retries:
                raise ProviderError(provider, error_message(response), response.status_code, retryable)
            asked = retry_after_seconds(response)
            wait = asked if asked is not None else base_delay * 2**attempt
        if wait > max_wait:
            raise ProviderError(
                provider,
                f"rate limited; provider asks to wait {wait:.0f} s (over {max_wait:.0f} s)",
                429,
                True,
            )
        sleep(wait * (1 + random.uniform(0, 0.1)))
        attempt += 1
