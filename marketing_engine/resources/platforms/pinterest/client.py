"""The Pinterest client: the user's token and its refresh (HTTP Basic with the app's credentials)."""

from __future__ import annotations

from typing import Any

from marketing_engine.resources.http import error_message
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.pinterest import settings
from marketing_engine.resources.retry import ProviderError


class PinterestApi(PlatformClient):
    policy = settings.RETRY

    def __init__(self, token: OAuthToken, *, base_url: str = settings.API_URL, **options: Any):
        super().__init__("pinterest", **options)
        self.token, self.base = token, base_url.rstrip("/")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token.access}"}

    def refresh(self) -> bool:
        token = self.token
        if not token.refreshable:
            return False
        response = self.http.post(
            f"{self.base}/oauth/token",
            auth=(token.client_id, token.client_secret),  # type: ignore[arg-type]
            data={"grant_type": "refresh_token", "refresh_token": token.refresh},
        )
        if response.status_code != 200:
            raise ProviderError("pinterest", error_message(response), response.status_code)
        token.access = response.json()["access_token"]
        return True
