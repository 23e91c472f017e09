"""Indexing: IndexNow pings and Search Console (sitemap submission, URL Inspection).

Backends:
- `offline` (default): no network. Each IndexNow POST body is written to `<home>/outbox/indexnow/`
  exactly as it would be sent; the sitemap submission is recorded there too; the index state comes
  from the pages' own facts (`seo.indexing.offline_inspection`).
- `live`: IndexNow at api.indexnow.org (https://www.indexnow.org/documentation: 200/202 accepted,
  400 bad request, 403 key not valid, 422 URLs not of the host, 429 too many requests), and the
  Search Console API for `sitemaps.submit` and `urlInspection.index.inspect` through Google's
  discovery client on the user's OAuth refresh token (`webmasters` scope; google-auth refreshes the
  access token), under Google's retry policy — the same client and settings as the Search Console
  metrics. Without GOOGLE_REFRESH_TOKEN, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and
  SEARCH_CONSOLE_SITE_URL, Search Console is "not configured": no index state is stored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from dagster import ConfigurableResource, EnvVar
from pydantic import Field, PrivateAttr

from marketing_engine.files import write_text
from marketing_engine.provenance import NOT_CONFIGURED
from marketing_engine.resources.env import optional_env
from marketing_engine.resources.http import error_message, failure
from marketing_engine.resources.platforms.client import OAuthToken, PlatformClient
from marketing_engine.resources.platforms.google import build_service, execute
from marketing_engine.resources.platforms.google import settings as google
from marketing_engine.resources.retry import ProviderError, Transient
from marketing_engine.seo.indexing import (
    KEY,
    IndexingError,
    PageFacts,
    batches,
    brand_key,
    inspection_row,
    offline_inspection,
)
from marketing_engine.settings import home_dir

INDEXNOW_URL = "https://api.indexnow.org/indexnow"
SEARCH_CONSOLE_SETTINGS = (*google.REFRESH_SETTINGS, "SEARCH_CONSOLE_SITE_URL")
WEBMASTERS_SCOPE = "https://www.googleapis.com/auth/webmasters"  # submitting a sitemap writes
INDEXNOW_KEY = "INDEXNOW_KEY"  # prod: the key the live site serves at /<key>.txt
ACCEPTED = (200, 202)
INDEXNOW_REFUSALS = {
    400: "bad request: the body is not valid IndexNow JSON",
    403: "key not valid: the key file is missing at keyLocation or does not hold the key",
    422: "the URLs do not belong to the host, or the key does not match the protocol's schema",
}


class IndexNowClient(PlatformClient):
    """POSTs `{host, key, keyLocation, urlList}` to IndexNow, one batch of ≤10,000 URLs at a time."""

    def __init__(self, endpoint: str = INDEXNOW_URL, **options: Any):
        super().__init__("indexnow", **options)
        self.endpoint = endpoint

    def sort(self, provider: str, response: httpx.Response) -> Transient | ProviderError:
        meaning = INDEXNOW_REFUSALS.get(response.status_code)
        if meaning is None:
            return failure(provider, response)
        return ProviderError(provider, f"{meaning} ({error_message(response)})", response.status_code)

    def submit(self, host: str, key: str, key_location: str, urls: list[str]) -> list[tuple[int, int]]:
        """(batch number, HTTP status) per POST; ProviderError naming the cause when one is refused."""
        sent = []
        for number, batch in enumerate(batches(urls), start=1):
            body = {"host": host, "key": key, "keyLocation": key_location, "urlList": batch}
            response = self.request("POST", self.endpoint, json=body)
            if response.status_code not in ACCEPTED:
                raise ProviderError(self.provider, f"batch {number}: unexpected answer", response.status_code)
            sent.append((number, response.status_code))
        return sent


class SearchConsoleIndexClient:
    """Search Console's sitemap submission and URL Inspection (searchconsole v1 discovery client)
    on the user's refreshing OAuth token; `http`: the httplib2 transport under it (tests)."""

    provider = "search_console"

    def __init__(self, token: OAuthToken, site_url: str, http: Any = None):
        self.site_url = site_url
        self.service = build_service(google.SEARCH_CONSOLE, http=http, token=token, scopes=[WEBMASTERS_SCOPE])

    def submit_sitemap(self, sitemap_url: str) -> None:
        """sitemaps.submit: PUT …/sites/{siteUrl}/sitemaps/{feedpath} (Google answers an empty body)."""
        call = self.service.sitemaps().submit(siteUrl=self.site_url, feedpath=sitemap_url)
        execute(self.provider, call.execute)

    def inspect(self, page_url: str) -> dict:
        """urlInspection.index.inspect for one page: the answer with `inspectionResult`."""
        body = {"inspectionUrl": page_url, "siteUrl": self.site_url}
        answer = execute(self.provider, self.service.urlInspection().index().inspect(body=body).execute)
        if not isinstance(answer, dict):
            raise ProviderError(self.provider, "unexpected urlInspection answer")
        return answer


@dataclass(frozen=True)
class Announced:
    """What one announcement did: (batch, HTTP status or None offline) per POST, and where it went."""

    sent: list[tuple[int, int | None]]
    backend: str


class IndexingResource(ConfigurableResource):
    """IndexNow and Search Console: `offline` (default, no network) or `live`."""

    backend: Literal["offline", "live"] = "offline"
    indexnow_endpoint: str = INDEXNOW_URL
    google_refresh_token: str | None = Field(default=None, description="Only through EnvVar.")
    google_client_id: str | None = Field(default=None, description="Only through EnvVar.")
    google_client_secret: str | None = Field(default=None, description="Only through EnvVar.")
    search_console_site_url: str = Field(default="", description="The property, e.g. sc-domain:example.com.")
    daily_inspections: int = Field(default=2000, description="URL Inspection's daily quota per property.")
    indexnow_key: str | None = Field(
        default=None,
        description="EnvVar('INDEXNOW_KEY') in prod: the key the live site serves at /<key>.txt.",
    )
    _clients: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_env(cls) -> IndexingResource:
        """Prod: IndexNow for real (with INDEXNOW_KEY); Search Console too when Google's OAuth
        settings and the property are set."""
        key = optional_env(INDEXNOW_KEY)
        if not all(name in os.environ for name in SEARCH_CONSOLE_SETTINGS):
            return cls(backend="live", indexnow_key=key)
        refresh, client_id, client_secret, site = (EnvVar(name) for name in SEARCH_CONSOLE_SETTINGS)
        return cls(
            backend="live",
            google_refresh_token=refresh,
            google_client_id=client_id,
            google_client_secret=client_secret,
            search_console_site_url=site,
            indexnow_key=key,
        )

    @property
    def announces(self) -> bool:
        """Whether IndexNow can be told: offline always (the outbox), live only with INDEXNOW_KEY (else
        IndexNow is not configured and nothing is announced)."""
        return self.backend != "live" or bool(self.indexnow_key)

    def key_for(self, brand: str) -> str:
        """The IndexNow key to announce with. Live: the configured INDEXNOW_KEY, the one the site serves
        — every worker announces with the same key, where a key made on first use would differ per
        machine. Offline: the brand's key kept under the engine home (the local site serves it)."""
        if self.indexnow_key:
            if not KEY.fullmatch(self.indexnow_key):
                raise IndexingError(f"{INDEXNOW_KEY} is not an IndexNow key (8-128 of a-z, A-Z, 0-9, '-')")
            return self.indexnow_key
        if self.backend == "live":
            raise IndexingError(
                f"{INDEXNOW_KEY} is not set: IndexNow needs the key the live site serves at /<key>.txt"
            )
        return brand_key(brand)

    @property
    def search_console(self) -> SearchConsoleIndexClient | None:
        """The Search Console client, or None when it is offline or not configured."""
        oauth = (self.google_refresh_token, self.google_client_id, self.google_client_secret)
        if self.backend != "live" or not (all(oauth) and self.search_console_site_url):
            return None
        if "search_console" not in self._clients:
            self._clients["search_console"] = SearchConsoleIndexClient(
                OAuthToken(None, *oauth), self.search_console_site_url
            )
        return self._clients["search_console"]

    def announce(self, brand: str, key: str, key_location: str, urls: list[str]) -> Announced:
        """Tell IndexNow about `urls` (all of one host), in batches; offline, write the bodies."""
        host = urlsplit(key_location).hostname or ""
        if self.backend == "live":
            if "indexnow" not in self._clients:
                self._clients["indexnow"] = IndexNowClient(self.indexnow_endpoint)
            client: IndexNowClient = self._clients["indexnow"]  # type: ignore[assignment]
            return Announced(list(client.submit(host, key, key_location, urls)), "indexnow")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        sent: list[tuple[int, int | None]] = []
        for number, batch in enumerate(batches(urls), start=1):
            body = {"host": host, "key": key, "keyLocation": key_location, "urlList": batch}
            write_text(
                home_dir("outbox") / "indexnow" / f"{brand}-{stamp}-{number}.json", json.dumps(body, indent=1)
            )
            sent.append((number, None))
        return Announced(sent, "offline")

    def submit_sitemap(self, brand: str, sitemap_url: str) -> str:
        """Submit the sitemap to Search Console; offline or not configured, record it in the outbox."""
        client = self.search_console
        if client is not None:
            client.submit_sitemap(sitemap_url)
            return "submitted"
        record = {"sitemap": sitemap_url, "at": datetime.now(UTC).isoformat()}
        write_text(home_dir("outbox") / "search_console" / f"{brand}-sitemap.json", json.dumps(record))
        return "recorded offline" if self.backend == "offline" else "not configured: recorded offline"

    def index_states(
        self, pages: Sequence[PageFacts], in_sitemap: set[str], pinged: Mapping[str, datetime], day: date
    ) -> tuple[list[dict[str, Any]], str]:
        """index_status rows for the day and their source: the URL Inspection API for up to the
        daily quota of pages; offline, the state each page's facts imply (`offline`, simulated); live
        without Search Console's settings, none (`not configured`: in prod nothing is inferred)."""
        client = self.search_console
        if client is None and self.backend == "live":
            return [], NOT_CONFIGURED
        if client is None:
            rows = [offline_inspection(p, p.url in in_sitemap, pinged.get(p.url), day) for p in pages]
            return rows, "offline"
        inspected = pages[: self.daily_inspections]
        return [inspection_row(p.url, client.inspect(p.url), day) for p in inspected], "search_console"
