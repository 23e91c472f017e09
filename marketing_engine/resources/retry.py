"""The one retry policy of every provider call, on tenacity.

A call is retried when it fails with a `Transient` (429, 5xx, a dropped connection): after the wait
the provider asked for (Retry-After, a rate-limit reset) or, when it named none, after exponential
backoff (`base_delay`, doubled each time) with up to `jitter` of it added. It fails for good, as a
`ProviderError` naming the provider, when:
- the tries run out (`max_retries` after the first);
- the provider asks to wait longer than `max_wait` (a daily quota, a 15-minute window);
- waiting would take the provider past its total time bound (`budget`, PROVIDER_BUDGET_S,
  MARKETING_ENGINE_PROVIDER_BUDGET_S). The bound is per provider and process-wide: once a provider
  has been failing for that long, further calls fail at once, naming the last error, instead of
  each spending its own retries on a provider that is down; a success, or as long again without
  calls, closes it. One provider's outage thus costs a run at most about that long.

Each platform package (`marketing_engine.resources.platforms.*`) holds its own `RetryPolicy`;
`rate_limit_wait` is that platform's wait for a rate limit that names none.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import tenacity

PROVIDER_BUDGET_S = float(os.environ.get("MARKETING_ENGINE_PROVIDER_BUDGET_S", "120"))
T = TypeVar("T")


class ProviderError(RuntimeError):
    """A provider call that failed for good, with the provider, HTTP status and its message.

    `detail` is the message without the provider and status; `code` the provider's own error code
    or reason where it has one (`quotaExceeded`, `rate_limit_exceeded`); `note` what it said about
    when to come back (`resets in 412 s`)."""

    def __init__(
        self,
        provider: str,
        message: str,
        status: int | None = None,
        retryable: bool = False,
        *,
        code: str | None = None,
        note: str | None = None,
    ):
        self.provider, self.status, self.retryable = provider, status, retryable
        self.detail, self.code, self.note = message, code, note
        prefix = f"{provider}: HTTP {status}" if status else provider
        super().__init__(f"{prefix}: {message}")

    def again(self, message: str, status: int | None = None) -> ProviderError:
        """The same failure told differently (a give-up), keeping its code and note."""
        return ProviderError(
            self.provider,
            message,
            self.status if status is None else status,
            True,
            code=self.code,
            note=self.note,
        )


class Transient(Exception):
    """A failure worth another try: the error to report if the tries run out, the wait the
    provider asked for (None: it named none), and whether it was a rate limit."""

    def __init__(self, error: ProviderError, asked: float | None = None, rate_limited: bool = False):
        super().__init__(str(error))
        self.error, self.asked, self.rate_limited = error, asked, rate_limited
        self.failing = 0.0  # seconds the provider had been failing when this happened


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


class _WaitAsked(tenacity.wait.wait_base):
    """The wait the provider asked for; else the platform's rate-limit wait for a rate limit that
    names none; else exponential backoff."""

    def __init__(self, policy: RetryPolicy):
        self.policy = policy
        self.backoff = tenacity.wait_exponential(multiplier=policy.base_delay, exp_base=2)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        failure = _transient(retry_state)
        if failure.asked is not None:
            return failure.asked
        if failure.rate_limited and self.policy.rate_limit_wait is not None:
            return self.policy.rate_limit_wait
        return self.backoff(retry_state)


def _transient(retry_state: tenacity.RetryCallState) -> Transient:
    assert retry_state.outcome is not None  # tenacity asks wait and stop only after an attempt
    failure = retry_state.outcome.exception()
    assert isinstance(failure, Transient)  # only Transients are retried
    return failure


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    base_delay: float = 0.5
    max_wait: float = 60.0
    jitter: float = 0.1
    budget: float | None = None  # None: PROVIDER_BUDGET_S
    rate_limit_wait: float | None = None  # a rate limit that names no wait: this long (None: back off)

    def tries(self, max_retries: int) -> RetryPolicy:
        return replace(self, max_retries=max_retries)

    def run(
        self,
        provider: str,
        attempt: Callable[[], T],
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> T:
        """`attempt()` until it returns, raises anything but a `Transient`, or the policy gives up
        (then the `ProviderError` that says why)."""
        budget = PROVIDER_BUDGET_S if self.budget is None else self.budget
        refused = _FAILING.exhausted(provider, clock(), budget)
        if refused:
            raise ProviderError(provider, refused, retryable=True)

        def once() -> T:
            try:
                value = attempt()
            except Transient as failure:
                failure.failing = _FAILING.failed(provider, clock(), _short(failure.error))
                raise
            except ProviderError as error:
                if error.status in (401, 403):  # the provider refusing us, not this request
                    _FAILING.failed(provider, clock(), _short(error))
                raise
            _FAILING.succeeded(provider)
            return value

        def verdict(retry_state: tenacity.RetryCallState) -> ProviderError | None:
            failure = _transient(retry_state)
            tries = retry_state.attempt_number
            if tries > self.max_retries:
                error = failure.error
                return error if error.status else error.again(f"{error.detail} after {tries} attempts")
            wait = retry_state.upcoming_sleep
            if wait > self.max_wait:
                detail = failure.error.detail
                said = detail if "rate limited" in detail else f"{detail}; rate limited"
                return failure.error.again(
                    f"{said}: asks to wait {wait:.0f} s (over {self.max_wait:.0f} s)",
                    failure.error.status or 429,
                )
            if failure.failing + wait > budget:
                return failure.error.again(
                    f"gave up after {tries} attempts: failing for {failure.failing:.0f} s, and waiting "
                    f"{wait:.0f} s more would pass its {budget:.0f} s bound per run "
                    f"(last error: {_FAILING.last.get(provider, 'unknown')})"
                )
            return None

        def give_up(retry_state: tenacity.RetryCallState) -> T:
            error = verdict(retry_state)
            assert error is not None  # tenacity calls this only when `stop` said so
            raise error

        jitter = self.jitter
        pause = sleep or time.sleep  # looked up per call, so a patched time.sleep is honoured
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Transient),
            wait=_WaitAsked(self),
            stop=lambda retry_state: verdict(retry_state) is not None,
            sleep=lambda seconds: pause(seconds * (1 + random.uniform(0, jitter))),
            retry_error_callback=give_up,
        )
        return retrying(once)


def _short(error: ProviderError) -> str:
    return f"HTTP {error.status}: {error.detail[:120]}" if error.status else error.detail[:120]
