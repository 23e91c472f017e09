"""Shared by the Google API providers: building a client and turning its errors into ProviderErrors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from marketing_engine.resources.http import ProviderError


def build_service(name: str, version: str, access_token: str | None = None, http: Any = None):
    """A google-api-python-client service from the bundled discovery document (no network)."""
    from googleapiclient.discovery import build

    if http is not None:
        return build(name, version, http=http, static_discovery=True, cache_discovery=False)
    from google.oauth2.credentials import Credentials

    return build(
        name,
        version,
        credentials=Credentials(token=access_token),
        static_discovery=True,
        cache_discovery=False,
    )


def execute(provider: str, call: Callable[[], Any]) -> Any:
    """Run `request.execute()` (the client retries 429/5xx itself when asked); name failures."""
    from googleapiclient.errors import HttpError

    try:
        return call()
    except HttpError as exc:
        try:
            message = json.loads(exc.content)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = exc.reason or str(exc)
        status = int(exc.resp.status)
        raise ProviderError(
            provider, message, status, retryable=status in (429, 500, 502, 503, 504)
        ) from None
