"""Keyword ideas behind one interface, `KeywordIdeasResource.ideas(seeds, context)`.

Backends:
- `offline` (default): expansion of each seed with the question words, modifiers, audiences, cities
  and competitor comparisons of the brand's language (`marketing_engine.seo.keywords.expand_offline`);
- `autocomplete`: Google's public suggestion endpoint through httpx, one request per seed and
  prefix/suffix (the brand language's question words, `data/frames/seo`), in the brand's language and
  country, with a politeness delay between requests and a daily request cap kept in the engine's cache
  folder; the offline expansion is added so a capped day still yields a universe;
- `search_console`: the queries the site already gets impressions for, from the Search Console API
  (`searchanalytics.query`, paginated by `startRow`), through google-api-python-client.
Search Console also gives positions, used by `serp_positions` (`search_console_rows`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from marketing_engine.resources.http import ProviderError, send_with_retry
from marketing_engine.seo.keywords import ExpansionContext, KeywordIdea, expand_offline
from marketing_engine.settings import home_dir
from marketing_engine.wording import frames

AUTOCOMPLETE_URL = "https://suggestqueries.google.com/complete/search"
SEARCH_CONSOLE_PAGE = 25_000  # the API's maximum rowLimit


class DailyCap:
    """Requests per UTC day, kept by pyrate-limiter in a SQLite file under a file lock, so the cap
    holds across runs and across processes taking from it at the same time."""

    def __init__(self, path: Path, limit: int):
        from pyrate_limiter import Duration, FixedWindow, Rate, SQLiteBucket

        self.bucket = SQLiteBucket.init_from_file(
            [Rate(limit, Duration.DAY)], db_path=str(path), use_file_lock=True, algorithm=FixedWindow()
        )
        self.bucket.leak(self.bucket.now())  # earlier days' requests no longer count

    def take(self, today: date | None = None) -> bool:
        """Count one request; False when the day's cap is used up."""
        from pyrate_limiter import RateItem

        day = today and datetime(today.year, today.month, today.day, tzinfo=UTC)
        when = round(day.timestamp() * 1000) if day else self.bucket.now()
        return bool(self.bucket.put(RateItem("autocomplete", when)))


def autocomplete_suggestions(
    client: httpx.Client, query: str, language: str = "en", country: str = "us", sleep=time.sleep
) -> list[str]:
    response = send_with_retry(
        client,
        "GET",
        AUTOCOMPLETE_URL,
        provider="google-autocomplete",
        sleep=sleep,
        params={"client": "firefox", "q": query, "hl": language, "gl": country},
    )
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(
            "google-autocomplete", f"suggestions for {query!r} are not JSON", response.status_code
        )
    if not (isinstance(body, list) and len(body) >= 2 and isinstance(body[1], list)):
        raise ProviderError(
            "google-autocomplete", f"unexpected suggestion shape for {query!r}", response.status_code
        )
    return [str(s) for s in body[1] if isinstance(s, str)]


def search_console_rows(
    service: Any,
    site_url: str,
    start: date,
    end: date,
    dimensions: Sequence[str] = ("query",),
    page_size: int = SEARCH_CONSOLE_PAGE,
) -> list[dict[str, Any]]:
    """Every row of `searchanalytics.query` for the period, following `startRow` pagination."""
    from googleapiclient.errors import HttpError

    rows: list[dict[str, Any]] = []
    while True:
        body = {
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "dimensions": list(dimensions),
            "rowLimit": page_size,
            "startRow": len(rows),
            "dataState": "final",
        }
        try:
            page = service.searchanalytics().query(siteUrl=site_url, body=body).execute()
        except HttpError as exc:
            raise ProviderError("search-console", exc.reason or str(exc), int(exc.resp.status)) from None
        batch = page.get("rows", [])
        rows += batch
        if len(batch) < page_size:
            return rows


class KeywordIdeasResource(ConfigurableResource):
    """Where keyword ideas come from: `offline` (default), `autocomplete` or `search_console`."""

    backend: Literal["offline", "autocomplete", "search_console"] = "offline"
    language: str = Field(default="", description="Autocomplete language; empty: the brand's.")
    country: str = Field(default="", description="Autocomplete country; empty: the brand's locale's.")
    delay_seconds: float = Field(default=1.5, description="Politeness delay between autocomplete requests.")
    daily_cap: int = Field(default=300, description="Autocomplete requests per day, across runs.")
    site_url: str = Field(default="", description="Search Console property, e.g. sc-domain:example.com.")
    service_account_json: str | None = Field(default=None, description="Only through EnvVar.")
    days: int = 28

    _sleep: Callable[[float], None] = PrivateAttr(default=time.sleep)
    _unavailable: str | None = PrivateAttr(default=None)  # why autocomplete gave nothing
    _transport: Any = PrivateAttr(default=None)
    _service: Any = PrivateAttr(default=None)

    def ideas(self, seeds: Sequence[str], context: ExpansionContext) -> list[KeywordIdea]:
        offline = expand_offline(seeds, context)
        if self.backend == "offline":
            return offline
        if self.backend == "autocomplete":
            return self._autocomplete(seeds, context) + offline
        return self._search_console(seeds) + offline

    def _autocomplete(self, seeds: Sequence[str], context: ExpansionContext) -> list[KeywordIdea]:
        cap = DailyCap(home_dir("cache") / "autocomplete_requests.sqlite", self.daily_cap)
        words = frames("seo", context.language)["keywords"]
        language = self.language or context.language
        country = (self.country or context.country or "us").lower()
        found: list[KeywordIdea] = []
        with httpx.Client(
            timeout=10, transport=self._transport, headers={"User-Agent": "marketing-engine"}
        ) as client:
            for seed in seeds:
                queries = [seed, *(f"{w} {seed}" for w in words["autocomplete_prefixes"])]
                queries += [f"{seed} {w}" for w in words["autocomplete_suffixes"]]
                for query in queries:
                    if not cap.take():
                        return found
                    try:
                        found += [
                            KeywordIdea(s, seed, "autocomplete")
                            for s in autocomplete_suggestions(client, query, language, country, self._sleep)
                        ]
                    except ProviderError as exc:
                        if not exc.retryable:
                            raise  # a changed or refusing endpoint is a bug to see, not an outage
                        # Keyless and best effort: an unreachable endpoint leaves the offline
                        # expansion, and the run's keyed providers go ahead without it.
                        self._unavailable = str(exc)
                        logging.getLogger(__name__).warning("autocomplete: %s; offline expansion only", exc)
                        return found
                    self._sleep(self.delay_seconds)
        return found

    def search_console_service(self) -> Any:
        if self._service is None:
            if not self.service_account_json:
                raise ProviderError(
                    "search-console", "needs GOOGLE_SERVICE_ACCOUNT_JSON (a service-account key)"
                )
            from google.oauth2 import service_account
            from googleapiclient.discovery import build

            credentials = service_account.Credentials.from_service_account_info(
                json.loads(self.service_account_json),
                scopes=["https://www.googleapis.com/auth/webmasters.readonly"],
            )
            self._service = build("searchconsole", "v1", credentials=credentials, static_discovery=True)
        return self._service

    def _search_console(self, seeds: Sequence[str]) -> list[KeywordIdea]:
        end = date.today() - timedelta(days=3)  # Search Console data settles after about two days
        rows = search_console_rows(
            self.search_console_service(), self.site_url, end - timedelta(days=self.days), end
        )
        seed_words = [(s, set(s.lower().split())) for s in seeds]
        ideas = []
        for row in rows:
            query = row["keys"][0]
            words = set(query.lower().split())
            seed = max(seed_words, key=lambda pair: len(pair[1] & words))[0] if seed_words else query
            ideas.append(KeywordIdea(query, seed, "search_console", int(row.get("impressions", 0))))
        return ideas
