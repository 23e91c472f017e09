"""The Graph API client: the token as a parameter, versioned URLs, and the Graph error shape
(`{"error": {"message", "type", "code"}}`) sorted into rate limits, expired tokens, transient
failures and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from marketing_engine.resources.http import RETRY_STATUSES, error_message, retry_after_seconds
from marketing_engine.resources.platforms.client import PlatformClient
from marketing_engine.resources.platforms.meta import settings
from marketing_engine.resources.retry import ProviderError, Transient


@dataclass(frozen=True)
class GraphError:
    kind: Literal["rate_limited", "expired", "transient", "rejected"]
    message: str
    wait: float  # for a rate limit: as asked, else the platform's rate-limit wait


def graph_error(response: httpx.Response) -> GraphError:
    """What a failed Graph answer means."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code")
    message = error_message(response)
    if code in settings.RATE_LIMIT_CODES or response.status_code == 429:
        asked = retry_after_seconds(response)
        return GraphError("rate_limited", message, settings.RATE_LIMIT_WAIT if asked is None else asked)
    if code == settings.EXPIRED_TOKEN_CODE or response.status_code == 401:
        return GraphError("expired", message, 0.0)
    if code in settings.TRANSIENT_CODES or response.status_code >= 500:
        return GraphError("transient", message, 0.0)
    return GraphError("rejected", message, 0.0)


class GraphClient(PlatformClient):
    """`provider` names the caller in errors (facebook, instagram, threads, meta, meta_ad_library)."""

    policy = settings.RETRY

    def __init__(
        self,
        token: str,
        provider: str = "meta",
        *,
        base_url: str = settings.GRAPH_URL,
        version: str = settings.GRAPH_VERSION,
        **options: Any,
    ):
        super().__init__(provider, **options)
        self.token = token
        self.base = base_url.rstrip("/") + (f"/{version}" if version else "")

    @classmethod
    def threads(cls, token: str, **options: Any) -> GraphClient:
        return cls(
            token, "threads", base_url=settings.THREADS_URL, version=settings.THREADS_VERSION, **options
        )

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def params(self, **values: Any) -> dict[str, Any]:
        return {**values, "access_token": self.token}

    def sort(self, provider: str, response: httpx.Response) -> Transient | ProviderError:
        meaning = graph_error(response)
        status = response.status_code
        code = _code(response)
        error = ProviderError(
            provider, meaning.message, status, meaning.kind in ("rate_limited", "transient"), code=code
        )
        if meaning.kind == "rate_limited":
            return Transient(error, meaning.wait, rate_limited=True)
        if meaning.kind == "transient" and status in RETRY_STATUSES:
            return Transient(error)
        return error

    def refresh(self) -> bool:
        """Threads long-lived tokens are traded for new ones (`th_refresh_token`); Facebook page
        tokens from a long-lived user token do not expire, so there is nothing to refresh."""
        if not self.base.startswith(settings.THREADS_URL):
            return False
        answer = self.get_json(
            settings.THREADS_REFRESH_URL,
            params={"grant_type": "th_refresh_token", "access_token": self.token},
        )
        self.token = str(answer["access_token"])
        return True


def _code(response: httpx.Response) -> str | None:
    """Graph's own error code (190: the token expired), as text."""
    try:
        code = (response.json().get("error") or {}).get("code")
    except (ValueError, AttributeError):
        return None
    return None if code is None else str(code)
