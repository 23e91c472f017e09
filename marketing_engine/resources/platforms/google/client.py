"""Google clients: OAuth credentials, google-api-python-client services from the bundled discovery
documents (no network to build them), their `HttpError`s as ProviderErrors, and httpx clients for
the GA4 Data API and the YouTube Data API with an API key — all under Google's retry policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from marketing_engine.resources.http import RETRY_STATUSES
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.google import settings
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient

T = TypeVar("T")


def user_credentials(token: OAuthToken) -> Any:
    """google-auth credentials for a user's OAuth token; they refresh themselves when they can."""
    from google.oauth2.credentials import Credentials

    return Credentials(
        token.access,
        refresh_token=token.refresh,
        client_id=token.client_id,
        client_secret=token.client_secret,
        token_uri=settings.TOKEN_URI,
    )


def build_service(
    api: tuple[str, str],
    *,
    http: Any = None,
    token: OAuthToken | None = None,
    developer_key: str | None = None,
) -> Any:
    """A google-api-python-client service (`api` is (name, version), e.g. settings.YOUTUBE_DATA),
    on `http` when given (tests, or an authorized transport), else on the user's `token`."""
    from googleapiclient.discovery import build

    name, version = api
    options: dict[str, Any] = {"static_discovery": True, "cache_discovery": False}
    if http is not None:
        options["http"] = http
    elif token is not None:
        options["credentials"] = user_credentials(token)
    return build(name, version, developerKey=developer_key, **options)


def reason(exc: Any) -> str:
    """Google's reason for an `HttpError` (quotaExceeded, keyInvalid, …)."""
    try:
        details = exc.error_details or []
        if details and isinstance(details, list):
            return str(details[0].get("reason") or details[0].get("message"))
    except AttributeError:
        pass
    return str(exc.reason or exc)[:200]


def http_error(provider: str, exc: Any) -> Transient | ProviderError:
    """An `HttpError` sorted for the retry policy: used-up quotas and rates, 429 and 5xx are
    worth another try (within the policy's waits); the rest fails at once."""
    try:
        message = json.loads(exc.content)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = exc.reason or str(exc)
    status = int(exc.resp.status)
    why = reason(exc)
    rate_limited = status == 429 or why in settings.RATE_LIMIT_REASONS
    retry = rate_limited or status in RETRY_STATUSES
    error = ProviderError(provider, str(message), status, retry, code=why)
    if not retry:
        return error
    asked = exc.resp.get("retry-after")
    try:
        wait = float(asked) if asked is not None else None
    except ValueError:
        wait = None
    return Transient(error, wait, rate_limited=rate_limited)


def execute(
    provider: str,
    call: Callable[[], T],
    *,
    policy: RetryPolicy = settings.RETRY,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Run `request.execute` (or any client call) under Google's retry policy; name failures."""
    from googleapiclient.errors import HttpError

    def attempt() -> T:
        try:
            return call()
        except HttpError as exc:
            raise http_error(provider, exc) from None

    return policy.run(provider, attempt, sleep=sleep)


class YouTubeDataClient(PlatformClient):
    """The YouTube Data API over httpx with an API key (public reads: search, channels)."""

    policy = settings.RETRY

    def __init__(self, api_key: str, *, base_url: str = settings.YOUTUBE_DATA_URL, **options: Any):
        super().__init__("youtube", **options)
        self.api_key, self.base = api_key, base_url.rstrip("/")

    def get(self, resource: str, **params: Any) -> dict:
        return self.get_json(f"{self.base}/{resource}", params={**params, "key": self.api_key})


class GA4Client(PlatformClient):
    """The GA4 Data API over httpx with an OAuth access token."""

    policy = settings.RETRY

    def __init__(self, access_token: str, *, base_url: str = settings.GA4_URL, **options: Any):
        super().__init__("ga4", **options)
        self.token = OAuthToken(access_token)
        self.base = f"{base_url.rstrip('/')}/{settings.GA4_VERSION}"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token.access}"}

    def run_report(self, property_id: str, body: dict) -> httpx.Response:
        return self.request("POST", f"{self.base}/properties/{property_id}:runReport", json=body)
