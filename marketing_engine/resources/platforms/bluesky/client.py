"""The Bluesky client: a session from the handle and an app password (`createSession`), its
access JWT on every call and its refresh JWT to renew it (`refreshSession`)."""

from __future__ import annotations

from typing import Any

import httpx

from marketing_engine.resources.http import failure
from marketing_engine.resources.platforms.bluesky import settings
from marketing_engine.resources.platforms.client import PlatformClient
from marketing_engine.resources.retry import ProviderError, Transient


class BlueskyApi(PlatformClient):
    policy = settings.RETRY

    def __init__(
        self, handle: str, app_password: str, *, service: str = settings.SERVICE_URL, **options: Any
    ):
        super().__init__("bluesky", **options)
        self.handle, self.app_password = handle, app_password
        self.service = service.rstrip("/")
        self.did: str | None = None
        self.access_jwt: str | None = None
        self.refresh_jwt: str | None = None

    def xrpc(self, method: str) -> str:
        return f"{self.service}/xrpc/{method}"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_jwt}"} if self.access_jwt else {}

    def sort(self, provider: str, response: httpx.Response) -> Transient | ProviderError:
        """XRPC errors are `{"error": "ExpiredToken", "message": …}`: the name becomes the code."""
        sorted_ = failure(provider, response)
        try:
            name = response.json().get("error")
        except (ValueError, AttributeError):
            name = None
        (sorted_.error if isinstance(sorted_, Transient) else sorted_).code = str(name) if name else None
        return sorted_

    def session(self) -> None:
        """Log in once: the account's DID and its JWTs."""
        if self.access_jwt is None:
            data = self.request(
                "POST",
                self.xrpc("com.atproto.server.createSession"),
                json={"identifier": self.handle, "password": self.app_password},
            ).json()
            self.did, self.access_jwt, self.refresh_jwt = data["did"], data["accessJwt"], data["refreshJwt"]

    def refresh(self) -> bool:
        if not self.refresh_jwt:
            return False
        data = self.request(
            "POST",
            self.xrpc("com.atproto.server.refreshSession"),
            headers={"Authorization": f"Bearer {self.refresh_jwt}"},
        ).json()
        self.access_jwt, self.refresh_jwt = data["accessJwt"], data["refreshJwt"]
        return True
