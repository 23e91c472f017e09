"""Competitors' ads from the Meta Ad Library API (`GET /{version}/ads_archive`, Graph API, httpx).

Only when a token is configured (META_AD_LIBRARY_TOKEN); without one the asset reports "not
configured" and moves on. Pagination follows `paging.next`; requests go through Meta's Graph client
and retry policy (`marketing_engine.resources.platforms.meta`); Graph errors
(`{"error": {"message", "type", "code"}}`) become ProviderErrors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.platforms.meta import GraphClient, settings

PROVIDER = "meta_ad_library"
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
        raise ProviderError(PROVIDER, f"unexpected response shape: keys {sorted(payload)[:5]}")
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
    def __init__(self, token: str, max_pages: int = 3, **graph_options: Any):
        """`graph_options`: base_url, version, client … as `GraphClient` takes them."""
        self.graph = GraphClient(token, PROVIDER, **graph_options)
        self.max_pages = max_pages

    def search(self, terms: str, countries: Sequence[str] = ("US",), limit: int = 25) -> list[CompetitorAd]:
        params: dict | None = self.graph.params(
            search_terms=terms,
            ad_reached_countries=json.dumps(list(countries)),
            ad_type="ALL",
            ad_active_status="ALL",
            fields=",".join(FIELDS),
            limit=limit,
        )
        url: str | None = self.graph.url("ads_archive")
        ads: list[CompetitorAd] = []
        for _ in range(self.max_pages):
            if url is None:
                break
            payload = self.graph.get_json(url, params=params)
            ads += parse_ads(payload)
            url, params = (payload.get("paging") or {}).get("next"), None
        return ads


class AdLibraryResource(ConfigurableResource):
    access_token: str | None = Field(
        default=None, description="Only through EnvVar('META_AD_LIBRARY_TOKEN')."
    )
    api_version: str = settings.GRAPH_VERSION
    countries: list[str] = Field(default_factory=lambda: ["US"])

    @property
    def configured(self) -> bool:
        return bool(self.access_token)

    def client(self) -> AdLibraryClient:
        if not self.access_token:
            raise ProviderError(PROVIDER, "not configured (set META_AD_LIBRARY_TOKEN)")
        return AdLibraryClient(self.access_token, version=self.api_version)

    def competitor_ads(self, names: Sequence[str]) -> tuple[list[CompetitorAd], str]:
        """Every named competitor's ads, and what became of the search (for the asset's metadata): not
        configured without a token, failed with the provider's error, or the number of ads found."""
        if not self.configured:
            return [], "not configured (set META_AD_LIBRARY_TOKEN)"
        try:
            client = self.client()
            ads = [ad for name in names for ad in client.search(name, self.countries)]
        except ProviderError as exc:
            return [], f"failed: {exc}"
        return ads, f"{len(ads)} ads"
