"""The LinkedIn client: the member or organization token (and its refresh), the versioned Rest.li
headers every call carries, and LinkedIn's retry policy."""

from __future__ import annotations

from typing import Any

from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.linkedin import settings


class LinkedInApi(PlatformClient):
    policy = settings.RETRY

    def __init__(
        self,
        token: OAuthToken,
        *,
        base_url: str = settings.API_URL,
        version: str = settings.VERSION,
        token_url: str = settings.TOKEN_URL,
        **options: Any,
    ):
        super().__init__("linkedin", **options)
        self.token, self.version, self.token_url = token, version, token_url
        self.base = base_url.rstrip("/")

    def auth_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token.access}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": settings.RESTLI_PROTOCOL,
        }

    def refresh(self) -> bool:
        """Programmatic refresh: a new access token (and perhaps a new refresh token)."""
        token = self.token
        if not token.refreshable:
            return False
        data = self.request(
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": token.refresh,
                "client_id": token.client_id,
                "client_secret": token.client_secret,
            },
        ).json()
        token.access = data["access_token"]
        token.refresh = data.get("refresh_token", token.refresh)
        return True
