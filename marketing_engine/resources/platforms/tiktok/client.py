"""The TikTok client: a user's token (Content Posting, refreshed with its refresh token) or an app
token from client credentials (Research API), TikTok's error shape
(`{"error": {"code", "message"}}`, sometimes with HTTP 200) and its retry policy."""

from __future__ import annotations

from typing import Any

import httpx

from marketing_engine.resources.http import failure, json_object
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.tiktok import settings
from marketing_engine.resources.retry import ProviderError, Transient


def tiktok_error(response: httpx.Response) -> tuple[str, str]:
    """(code, message) of a TikTok answer; code "ok" when it carries no error."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):  # the OAuth endpoint: {"error": "invalid_client", ...}
        error = {"code": error, "message": response.json().get("error_description", "")}
    return str(error.get("code", "ok")), str(error.get("message", response.text[:200]))


class TikTokApi(PlatformClient):
    """`token` is a user's token (publishing); without one, `client_key` and `client_secret` get an
    app token by client credentials (research)."""

    policy = settings.RETRY

    def __init__(
        self,
        token: OAuthToken | None = None,
        *,
        client_key: str | None = None,
        client_secret: str | None = None,
        base_url: str = settings.API_URL,
        **options: Any,
    ):
        super().__init__("tiktok", **options)
        self.token = token or OAuthToken(None, client_id=client_key, client_secret=client_secret)
        if token is not None and client_key:
            token.client_id, token.client_secret = client_key, client_secret
        self.base = base_url.rstrip("/")

    def auth_headers(self) -> dict[str, str]:
        if not self.token.access:
            return {}
        return {
            "Authorization": f"Bearer {self.token.access}",
            "Content-Type": "application/json; charset=UTF-8",
        }

    def sort(self, provider: str, response: httpx.Response) -> Transient | ProviderError:
        code, _message = tiktok_error(response)
        sorted_ = failure(provider, response)
        if code in settings.RATE_LIMIT_CODES and isinstance(sorted_, ProviderError):
            return Transient(sorted_, None, rate_limited=True)
        return sorted_

    def _token_call(self, data: dict[str, Any]) -> dict:
        return self.post_json(
            f"{self.base}/v2/oauth/token/",
            data={"client_key": self.token.client_id, "client_secret": self.token.client_secret, **data},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_json(self, url: str, **kwargs: Any) -> dict:
        """POST under the retry policy; the answer's JSON object."""
        return json_object(self.request("POST", url, **kwargs), self.provider)

    def app_token(self) -> str:
        """Client credentials: the app's own token (Research API), fetched once."""
        if self.token.access is None:
            body = self._token_call({"grant_type": "client_credentials"})
            if "access_token" not in body:
                raise ProviderError(
                    self.provider, f"no access token: {body.get('error_description') or body.get('error')}"
                )
            self.token.access = str(body["access_token"])
        return self.token.access

    def refresh(self) -> bool:
        """A user's token from its refresh token."""
        if not self.token.refreshable:
            return False
        data = self._token_call({"grant_type": "refresh_token", "refresh_token": self.token.refresh})
        if "access_token" not in data:  # a refused refresh answers HTTP 200 with an OAuth error
            raise ProviderError(
                self.provider,
                f"token refresh refused: {data.get('error') or 'no access token'}"
                f" ({str(data.get('error_description') or '')[:200]})",
                code=str(data.get("error") or "") or None,
            )
        self.token.access = data["access_token"]
        self.token.refresh = data.get("refresh_token", self.token.refresh)
        return True
