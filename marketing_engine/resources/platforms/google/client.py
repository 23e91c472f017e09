"""Google clients: OAuth credentials that refresh themselves (google-auth: a refresh token traded for
an access token whenever it is missing, expired or answered with 401), google-api-python-client
services from the bundled discovery documents (no network to build them) on those credentials, the
official GA4 Data API client (`google-analytics-data`, REST transport), an httpx client for the
YouTube Data API with an API key — their failures as ProviderErrors, all under Google's retry policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from marketing_engine.resources.http import RETRY_STATUSES, wait_from_headers
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.google import settings
from marketing_engine.resources.retry import ProviderError, RetryPolicy, Transient

T = TypeVar("T")


def user_credentials(token: OAuthToken, scopes: Sequence[str] | None = None) -> Any:
    """google-auth credentials for a user's OAuth token: with its refresh token and OAuth client
    they refresh themselves (token endpoint `settings.TOKEN_URI`) when the access token is missing
    or expired, and when an API answers 401."""
    from google.oauth2.credentials import Credentials

    return Credentials(
        token.access,
        refresh_token=token.refresh,
        client_id=token.client_id,
        client_secret=token.client_secret,
        token_uri=settings.TOKEN_URI,
        scopes=list(scopes) if scopes else None,
    )


def build_service(
    api: tuple[str, str],
    *,
    http: Any = None,
    token: OAuthToken | None = None,
    scopes: Sequence[str] | None = None,
    developer_key: str | None = None,
) -> Any:
    """A google-api-python-client service (`api` is (name, version), e.g. settings.YOUTUBE_DATA).
    With the user's `token`, requests go through google-auth's AuthorizedHttp (refreshing as
    needed) over `http` (an httplib2.Http; tests pass a recorded one) or a new one; without a
    token, straight over `http` (an API key, or a transport authorized by the caller)."""
    from googleapiclient.discovery import build

    name, version = api
    options: dict[str, Any] = {"static_discovery": True, "cache_discovery": False}
    if token is not None:
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.http import build_http

        options["http"] = AuthorizedHttp(user_credentials(token, scopes), http=http or build_http())
    elif http is not None:
        options["http"] = http
    return build(name, version, developerKey=developer_key, **options)


def ga4_client(token: OAuthToken) -> Any:
    """The official GA4 Data API client (v1beta) on the REST transport (requests, through
    google-auth's AuthorizedSession) with refreshing credentials for the analytics.readonly scope."""
    from google.analytics.data_v1beta import BetaAnalyticsDataClient

    credentials = user_credentials(token, [settings.GA4_SCOPE])
    return BetaAnalyticsDataClient(credentials=credentials, transport="rest")


def refresh_error(provider: str, exc: Any) -> Transient | ProviderError:
    """A refused or failed token refresh, named by the settings it comes from. Only Google's error
    code and description are kept: never the request, where the refresh token and secret are."""
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    code = str(data.get("error") or "refresh_failed")
    said = str(data.get("error_description") or "")[:200]
    token, client_id, client_secret = settings.REFRESH_SETTINGS
    error = ProviderError(
        provider,
        f"Google refused the OAuth token refresh ({code}{': ' + said if said else ''}): check {token} "
        f"(a refresh token granted this API's scope, not revoked) and the OAuth client it was issued "
        f"to ({client_id}, {client_secret})",
        retryable=bool(getattr(exc, "retryable", False)),
        code=code,
    )
    return Transient(error) if error.retryable else error


def api_error(provider: str, exc: Any) -> Transient | ProviderError:
    """A google-api-core error (the GA4 client's) sorted for the retry policy like `http_error`."""
    status = int(exc.code) if isinstance(exc.code, int) else None
    why = str(exc.reason or "")
    response = getattr(exc, "response", None)
    try:  # Google's own words, without the method and URL api-core puts before them
        message = str(response.json()["error"]["message"])  # type: ignore[union-attr]
    except (AttributeError, ValueError, KeyError, TypeError):
        message = str(exc.message)
    rate_limited = status == 429 or why in settings.RATE_LIMIT_REASONS
    retry = rate_limited or status in RETRY_STATUSES
    error = ProviderError(provider, message[:300], status, retry, code=why or None)
    if not retry:
        return error
    asked = wait_from_headers(response.headers) if response is not None else None
    return Transient(error, asked, rate_limited=rate_limited)


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
    """Run `request.execute` (or a GA4 client call) under Google's retry policy; name failures:
    API errors, a refused token refresh, a dropped connection."""
    import requests
    from google.api_core.exceptions import GoogleAPICallError
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    def attempt() -> T:
        try:
            return call()
        except HttpError as exc:
            raise http_error(provider, exc) from None
        except GoogleAPICallError as exc:
            raise api_error(provider, exc) from None
        except RefreshError as exc:
            raise refresh_error(provider, exc) from None
        except (TransportError, requests.RequestException) as exc:
            raise Transient(ProviderError(provider, type(exc).__name__, retryable=True)) from None

    return policy.run(provider, attempt, sleep=sleep)


class YouTubeDataClient(PlatformClient):
    """The YouTube Data API over httpx with an API key (public reads: search, channels)."""

    policy = settings.RETRY

    def __init__(self, api_key: str, *, base_url: str = settings.YOUTUBE_DATA_URL, **options: Any):
        super().__init__("youtube", **options)
        self.api_key, self.base = api_key, base_url.rstrip("/")

    def get(self, resource: str, **params: Any) -> dict:
        return self.get_json(f"{self.base}/{resource}", params={**params, "key": self.api_key})
