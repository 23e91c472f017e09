"""The Reddit client: a praw session (application-only, or a user's refresh token) whose prawcore
retries are off, and reads under Reddit's retry policy.

prawcore retries 5xx and read timeouts on its own, which would repeat a submit that may already
have gone through, and would retry reads a second time under this policy: its retries are off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from marketing_engine.resources.http import RETRY_STATUSES, wait_from_headers
from marketing_engine.resources.platforms.reddit import settings
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient

T = TypeVar("T")


class RedditApi:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        user_agent: str,
        refresh_token: str | None = None,
        policy: RetryPolicy = settings.RETRY,
        sleep: Callable[[float], None] | None = None,
        **praw_options: Any,
    ):
        import praw

        if refresh_token:
            praw_options["refresh_token"] = refresh_token
        self.reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            user_agent=user_agent,
            oauth_url=settings.API_URL,
            reddit_url=settings.WWW_URL,
            check_for_async=False,
            check_for_updates=False,
            **praw_options,
        )
        self.reddit._core._retry_strategy_class = _no_retry_strategy()
        self.policy, self.sleep = policy, sleep

    def read(self, call: Callable[[], T]) -> T:
        """A praw read under Reddit's retry policy: 429 waits for the reset (or gives up when it is
        further away than the policy waits), 5xx and dropped connections back off."""
        import prawcore

        def attempt() -> T:
            try:
                return call()
            except prawcore.TooManyRequests as exc:
                error = ProviderError(
                    "reddit", "rate limited", 429, True, note=rate_limit_note(exc.response.headers)
                )
                raise Transient(error, wait_from_headers(exc.response.headers), rate_limited=True) from None
            except prawcore.ServerError as exc:
                status = exc.response.status_code
                error = ProviderError("reddit", f"{type(exc).__name__}", status, status in RETRY_STATUSES)
                raise Transient(error) from None
            except prawcore.RequestException as exc:
                name = type(exc.original_exception).__name__
                raise Transient(ProviderError("reddit", name, retryable=True)) from None
            except prawcore.PrawcoreException as exc:
                status = getattr(getattr(exc, "response", None), "status_code", None)
                raise ProviderError("reddit", f"{type(exc).__name__}: {exc}", status) from None

        return self.policy.run("reddit", attempt, sleep=self.sleep)


def rate_limit_note(headers: Any) -> str | None:
    """What Reddit said about when its window resets (`x-ratelimit-reset`, seconds)."""
    reset = headers.get("x-ratelimit-reset") or headers.get("retry-after")
    return f"resets in {reset} s" if reset else None


def _no_retry_strategy() -> type:
    from prawcore.sessions import FiniteRetryStrategy

    class NoRetry(FiniteRetryStrategy):
        """One attempt, and no back-off sleep before it (prawcore's zero-retry strategy still sleeps)."""

        def __init__(self, retries: int = 0):
            super().__init__(retries=0)

        def _sleep_seconds(self) -> float | None:
            return None

    return NoRetry
