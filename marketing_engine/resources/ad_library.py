"""Competitors' ads from the Meta Ad Library API (`GET /{version}/ads_archive`, Graph API, httpx).

Only when a token is configured (META_AD_LIBRARY_TOKEN); without one the asset reports "not
configured" and moves on. Pagination follows `paging.next`; 429/5xx go through the shared retry
policy; Graph errors (`{"error": {"message", "type", "code"}}`) become ProviderErrors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.resources.http import ProviderError, send_with_retry

FIELDS = (
    "id",
    "page_name",
    "ad_creative_bodies",
    "ad_creative_link_titles",
    "ad_delivery_start_time",
    "ad_snapshot_url",
    "publisher_platforms",
)


@dataclass(frozen=True)
class CompetitorAd:
    ad_id: str
    page_name: str
    body: str
    title: str
    started: str
    snapshot_url: str
    platforms: tuple[str, ...]


def parse_ads(payload: dict) -> list[CompetitorAd]:
    if not isinstance(payload.get("data"), list):
        raise ProviderError("meta_ad_library", f"unexpected response shape: keys {sorted(payload)[:5]}")
    ads = []
    for item in payload["data"]:
        ads.append(
            CompetitorAd(
                str(item.get("id", "")),
                item.get("page_name", ""),
                " / ".join(item.get("ad_creative_bodies") or []),
                " / ".join(item.get("ad_creative_link_titles") or []),
                item.get("ad_delivery_start_time", ""),
                item.get("ad_snapshot_url", ""),
                tuple(item.get("publisher_platforms") or []),
            )
        )
    return ads


class AdLibraryClient:
    def __init__(
        self,
        token: str,
        version: str = "v21.0",
        base_url: str = "https://graph.facebook.com",
        client: httpx.Client | None = None,
        max_pages: int = 3,
    ):
        self.token, self.version, self.base_url, self.max_pages = (
            token,
            version,
            base_url.rstrip("/"),
            max_pages,
        )
        self.client = client or httpx.Client(timeout=30)

    def search(self, terms: str, countries: Sequence[str] = ("US",), limit: int = 25) -> list[CompetitorAd]:
        params = {
            "search_terms": terms,
            "ad_reached_countries": json.dumps(list(countries)),
            "ad_type": "ALL",
            "ad_active_status": "ALL",
            "fields": ",".join(FIELDS),
            "limit": limit,
            "access_token": self.token,
        }
        url: str | None = f"{self.base_url}/{self.version}/ads_archive"
        ads: list[CompetitorAd] = []
        for _ in range(self.max_pages):
            if url is None:
                break
            response = send_with_retry(self.client, "GET", url, provider="meta_ad_library", params=params)
            try:
                payload = response.json()
            except ValueError:
                raise ProviderError("meta_ad_library", "response is not JSON", response.status_code) from None
            ads += parse_ads(payload)
            url, params = (payload.get("paging") or {}).get("next"), None
        return ads


class AdLibraryResource(ConfigurableResource):
    access_token: str | None = Field(
        default=None, description="Only through EnvVar('META_AD_LIBRARY_TOKEN')."
    )
    api_version: str = "v21.0"
    countries: list[str] = Field(default_factory=lambda: ["US"])

    @property
    def configured(self) -> bool:
        return bool(self.access_token)

    def client(self) -> AdLibraryClient:
        if not self.access_token:
            raise ProviderError("meta_ad_library", "not configured (set META_AD_LIBRARY_TOKEN)")
        return AdLibraryClient(self.access_token, self.api_version)
