"""The X client: the bearer token (and its OAuth 2.0 refresh), a tweepy `Client` for the SDK's
endpoints, httpx for the ones used raw, and X's retry policy over both."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property, partial
from typing import Any, TypeVar

from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.x import settings
from marketing_engine.resources.retry import ProviderError, Transient

T = TypeVar("T")


class XApi(PlatformClient):
    policy = settings.RETRY

    def __init__(
        self,
        bearer_token: str,
        *,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_url: str = settings.TOKEN_URL,
        **options: Any,
    ):
        super().__init__("x", **options)
        self.token = OAuthToken(bearer_token, refresh_token, client_id, client_secret)
        self.token_url = token_url
        self.timeout = options.get("timeout", 30.0)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token.access}"}

    @cached_property
    def tweepy(self) -> Any:
        """tweepy's v2 Client on this token; it never sleeps on rate limits itself."""
        import tweepy

        client = tweepy.Client(bearer_token=self.token.access, wait_on_rate_limit=False)
        # tweepy sends without a timeout; a hung socket must end as a timeout the caller understands
        client.session.request = partial(client.session.request, timeout=self.timeout)  # type: ignore[method-assign]
        return client

    def read(self, call: Callable[[], T]) -> T:
        """A tweepy read under X's retry policy: 429 waits for the reset (or gives up when the reset
        is further away than the policy waits), 5xx and dropped connections back off; the rest is
        a ProviderError at once."""
        import requests
        import tweepy

        def attempt() -> T:
            try:
                return call()
            except tweepy.TooManyRequests as exc:
                reset = exc.response.headers.get("x-rate-limit-reset")
                error = ProviderError(
                    "x", "rate limited", 429, True, note=f"resets at epoch {reset}" if reset else None
                )
                raise Transient(error, reset_wait(exc.response.headers), rate_limited=True) from None
            except tweepy.TwitterServerError as exc:
                status = exc.response.status_code
                raise Transient(ProviderError("x", tweepy_message(exc), status, True)) from None
            except tweepy.HTTPException as exc:
                raise ProviderError("x", tweepy_message(exc), exc.response.status_code) from None
            except requests.RequestException as exc:
                raise Transient(ProviderError("x", type(exc).__name__, retryable=True)) from None

        return self.policy.run("x", attempt, sleep=self.sleep)

    def refresh(self) -> bool:
        """OAuth 2.0: trade the refresh token for a new access token (and a new refresh token)."""
        import requests

        token = self.token
        if not (token.refresh and token.client_id):
            return False
        auth = (token.client_id, token.client_secret) if token.client_secret else None
        response = requests.post(
            self.token_url,
            timeout=self.timeout,
            auth=auth,
            data={
                "grant_type": "refresh_token",
                "refresh_token": token.refresh,
                "client_id": token.client_id,
            },
        )
        if response.status_code != 200:
            raise ProviderError("x", f"token refresh failed: {response.text[:200]}", response.status_code)
        data = response.json()
        token.access = data["access_token"]
        token.refresh = data.get("refresh_token", token.refresh)
        self.tweepy.bearer_token = token.access
        return True


def reset_wait(headers: Any, now: float | None = None) -> float | None:
    """Seconds until X's rate-limit window resets (`x-rate-limit-reset`, epoch seconds)."""
    reset = headers.get("x-rate-limit-reset")
    if not reset:
        return None
    try:
        return max(0.0, float(reset) - (time.time() if now is None else now))
    except ValueError:
        return None


def tweepy_message(exc: Any) -> str:
    """The API's own messages from a tweepy exception."""
    messages = getattr(exc, "api_messages", None) or getattr(exc, "api_errors", None)
    return "; ".join(str(m) for m in messages) if messages else str(exc)[:300]
