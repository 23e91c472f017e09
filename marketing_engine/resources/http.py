"""One retry policy for every HTTP provider client that has no SDK retry of its own.

429 and 5xx are retried with exponential backoff that honours `Retry-After` (seconds or an HTTP
date) and `x-ratelimit-reset` (epoch seconds), capped by `max_wait`; other 4xx fail at once with
the provider's own message. Errors are `ProviderError`s naming the provider and status, and never
include request headers (where tokens live).

This is the one retry layer: assets that call providers carry no Dagster RetryPolicy on top. Each
provider also has a total time bound (`PROVIDER_BUDGET_S`, MARKETING_ENGINE_PROVIDER_BUDGET_S): once
it has been failing for that long, further calls fail at once, naming the last error, instead of
each spending its own retries on a provider that is down; a success, or as long again without
calls, closes the bound. One provider's outage thus costs a run at most about that long.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
PROVIDER_BUDGET_S = float(os.environ.get("MARKETING_ENGINE_PROVIDER_BUDGET_S", "120"))


class ProviderError(RuntimeError):
    """A provider call that failed for good, with the provider, HTTP status and its message."""

    def __init__(self, provider: str, message: str, status: int | None = None, retryable: bool = False):
        self.provider = provider
        self.status = status
        self.retryable = retryable
        prefix = f"{provider}: HTTP {status}" if status else provider
        super().__init__(f"{prefix}: {message}")


class _FailingSince:
    """Per provider: when its current run of failures began and the last error (process-wide)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: dict[str, float] = {}
        self.last: dict[str, str] = {}

    def failed(self, provider: str, now: float, error: str) -> float:
        """Record a failure; seconds the provider has been failing."""
        with self.lock:
            self.last[provider] = error
            return now - self.since.setdefault(provider, now)

    def succeeded(self, provider: str) -> None:
        with self.lock:
            self.since.pop(provider, None)
            self.last.pop(provider, None)

    def exhausted(self, provider: str, now: float, budget: float) -> str | None:
        """The refusal message when the provider has been failing longer than `budget`, else None."""
        with self.lock:
            began = self.since.get(provider)
            if began is None:
                return None
            failing = now - began
            if failing > 2 * budget:  # quiet as long as the bound: give it a fresh chance
                self.since.pop(provider, None)
                return None
            if failing < budget:
                return None
            return (
                f"not called: failing for {failing:.0f} s, over its {budget:.0f} s bound per run "
                f"(last error: {self.last.get(provider, 'unknown')})"
            )


_FAILING = _FailingSince()


def reset_provider_bounds() -> None:
    """Forget every provider's failures (tests, or a long-lived process starting a new run)."""
    with _FAILING.lock:
        _FAILING.since.clear()
        _FAILING.last.clear()


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
    budget: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; retry 429/5xx and transport errors; raise ProviderError when it fails, or at
    once when the provider has been failing for longer than its time bound (`budget` seconds,
    default PROVIDER_BUDGET_S)."""
    budget = PROVIDER_BUDGET_S if budget is None else budget
    refused = _FAILING.exhausted(provider, clock(), budget)
    if refused:
        raise ProviderError(provider, refused, retryable=True)
    attempt = 0
    while True:
        try:
            response = client.request(method, url, **kwargs)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            failing = _FAILING.failed(provider, clock(), type(exc).__name__)
            if attempt >= max_retries:
                raise ProviderError(
                    provider, f"{type(exc).__name__} after {attempt + 1} attempts", retryable=True
                ) from None
            wait = base_delay * 2**attempt
        else:
            if response.status_code < 400:
                _FAILING.succeeded(provider)
                return response
            retryable = response.status_code in RETRY_STATUSES
            message = error_message(response)
            if retryable or response.status_code in (401, 403):  # the provider, not this request
                failing = _FAILING.failed(provider, clock(), f"HTTP {response.status_code}: {message[:120]}")
            if not retryable or attempt >= max_retries:
                raise ProviderError(provider, message, response.status_code, retryable)
            asked = retry_after_seconds(response)
            wait = asked if asked is not None else base_delay * 2**attempt
        if wait > max_wait:
            raise ProviderError(
                provider,
                f"rate limited; provider asks to wait {wait:.0f} s (over {max_wait:.0f} s)",
                429,
                True,
            )
        if failing + wait > budget:
            raise ProviderError(
                provider,
                f"gave up after {attempt + 1} attempts: failing for {failing:.0f} s, and waiting "
                f"{wait:.0f} s more would pass its {budget:.0f} s bound per run "
                f"(last error: {_FAILING.last.get(provider, 'unknown')})",
                retryable=True,
            )
        sleep(wait * (1 + random.uniform(0, 0.1)))
        attempt += 1
