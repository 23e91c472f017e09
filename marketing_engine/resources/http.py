"""Provider calls over httpx with the shared retry policy (`marketing_engine.resources.retry`).

429 and 5xx are retried after the wait the provider asks for — `Retry-After` (seconds or an HTTP
date) or a rate-limit reset header (`x-ratelimit-reset`, epoch or seconds) — or with exponential
backoff, capped by the policy's `max_wait` and its total time bound per provider; other 4xx fail at
once with the provider's own message. Errors are `ProviderError`s naming the provider and status,
and never include request headers (where tokens live).

The platforms' own clients (`marketing_engine.resources.platforms`) send through it with their policy.
Assets that call providers also carry a short Dagster RetryPolicy (`assets/automation.py`: 2 retries)
for failures outside a single call; this layer's time bound caps what each attempt spends waiting.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx

from marketing_engine.resources.retry import (
    PROVIDER_BUDGET_S,
    ProviderError,
    RetryPolicy,
    Transient,
    reset_provider_bounds,
)

__all__ = [
    "PROVIDER_BUDGET_S",
    "RETRY_STATUSES",
    "ProviderError",
    "RetryPolicy",
    "error_message",
    "failure",
    "reset_provider_bounds",
    "retry_after_seconds",
    "send_with_retry",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
RESET_HEADERS = ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset")


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """How long the provider asked us to wait, from Retry-After or x-ratelimit-reset headers."""
    return wait_from_headers(response.headers, now)


def wait_from_headers(headers: Any, now: float | None = None) -> float | None:
    """The wait in a mapping of response headers (httpx, requests and prawcore responses alike)."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    for header in RESET_HEADERS:
        value = headers.get(header)
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


def failure(provider: str, response: httpx.Response) -> Transient | ProviderError:
    """A failed answer sorted for the retry policy: 429 and 5xx are worth another try."""
    status = response.status_code
    error = ProviderError(provider, error_message(response), status, status in RETRY_STATUSES)
    if status in RETRY_STATUSES:
        return Transient(error, retry_after_seconds(response), rate_limited=status == 429)
    return error


def send_with_retry(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    max_retries: int = 4,
    base_delay: float = 0.5,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] | None = None,
    budget: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    policy: RetryPolicy | None = None,
    sort: Callable[[str, httpx.Response], Transient | ProviderError] = failure,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; retry 429/5xx and transport errors; raise ProviderError when it fails, or at
    once when the provider has been failing for longer than its time bound. `policy` (a platform's)
    replaces `max_retries`, `base_delay`, `max_wait` and `budget`; `sort` tells failures apart
    where a platform answers errors its own way."""
    policy = policy or RetryPolicy(max_retries, base_delay, max_wait, budget=budget)

    def attempt() -> httpx.Response:
        try:
            response = client.request(method, url, **kwargs)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Transient(ProviderError(provider, type(exc).__name__, retryable=True)) from None
        if response.status_code < 400:
            return response
        raise sort(provider, response)

    return policy.run(provider, attempt, sleep=sleep, clock=clock)


def json_object(response: httpx.Response, provider: str) -> dict:
    """The answer's JSON object, or a ProviderError saying it is not one."""
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(provider, "response is not JSON", response.status_code) from None
    if not isinstance(body, dict):
        raise ProviderError(provider, "unexpected response shape", response.status_code)
    return body
