"""Google Search Console: clicks, impressions, CTR and position per page and day
(`searchanalytics.query`, docs: https://developers.google.com/webmaster-tools/v1/searchanalytics/query),
paged with `startRow` until a page comes back short."""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.google import build_service, execute, settings

PROVIDER = "search_console"
ROW_LIMIT = 25_000


class SearchConsoleBackend:
    def __init__(
        self, site_url: str, token: OAuthToken | None = None, http: Any = None, row_limit: int = ROW_LIMIT
    ):
        """`token`: the user's OAuth token (refreshed by google-auth); `http`: the httplib2 transport
        under it (tests), or, without a token, an already authorized one."""
        self.site_url = site_url
        self.service = build_service(
            settings.SEARCH_CONSOLE, http=http, token=token, scopes=[settings.SEARCH_CONSOLE_SCOPE]
        )
        self.row_limit = row_limit

    def page_metrics(self, day: date) -> list[dict]:
        """[{page, clicks, impressions, ctr, position}] for one day, every page of results."""
        return [
            {"page": r["keys"][0], **{k: r[k] for k in ("clicks", "impressions", "ctr", "position")}}
            for r in self.search_rows(day, ["page"])
        ]

    def query_positions(self, day: date) -> list[dict]:
        """[{keys: [query, page], clicks, impressions, ctr, position}] for one day: where each
        search query showed one of the site's pages (what `serp_positions` stores)."""
        return self.search_rows(day, ["query", "page"])

    def search_rows(self, day: date, dimensions: list[str]) -> list[dict]:
        """Every row of `searchanalytics.query` for one day by `dimensions`, paged by `startRow`,
        with its figures as floats; a row without them is a malformed answer."""
        rows: list[dict] = []
        while True:
            body = {
                "startDate": day.isoformat(),
                "endDate": day.isoformat(),
                "dimensions": dimensions,
                "rowLimit": self.row_limit,
                "startRow": len(rows),
                "dataState": "final",
            }
            answer = execute(
                PROVIDER, self.service.searchanalytics().query(siteUrl=self.site_url, body=body).execute
            )
            try:
                page = [
                    {
                        "keys": [str(key) for key in r["keys"][: len(dimensions)]],
                        **{k: float(r[k]) for k in ("clicks", "impressions", "ctr", "position")},
                    }
                    for r in answer.get("rows", [])
                ]
                if any(len(r["keys"]) < len(dimensions) for r in page):
                    raise IndexError(f"a row with fewer keys than {dimensions}")
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise ProviderError(PROVIDER, f"malformed searchanalytics response ({exc!r})") from None
            rows.extend(page)
            if len(page) < self.row_limit:
                return rows

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []  # search data is per page, not per visitor

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return []
