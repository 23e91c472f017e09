"""Google Analytics 4 Data API: daily sessions, key events and revenue per default channel group.

`POST https://analyticsdata.googleapis.com/v1beta/properties/{id}:runReport` with an OAuth access
token (docs: https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport).
Pages through `rowCount` with `limit`/`offset`. The Data API has no user-level paths, so this
provider feeds the channel totals in `campaign_metrics`; journeys for attribution come from a
journey export (or the simulator offline).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.resources.platforms.google import GA4Client

PROVIDER = "ga4"
METRICS = ("sessions", "keyEvents", "totalRevenue")
PAGE = 10_000


class GA4Backend:
    def __init__(self, property_id: str, access_token: str, page_size: int = PAGE, **options: Any):
        """`options`: base_url, client … as `GA4Client` takes them."""
        self.property_id = property_id
        self.api = GA4Client(access_token, **options)
        self.page_size = page_size

    def channel_totals(self, day: date) -> list[dict]:
        """[{channel, sessions, keyEvents, totalRevenue}] for one day, all pages."""
        rows: list[dict] = []
        offset = 0
        while True:
            body = {
                "dateRanges": [{"startDate": day.isoformat(), "endDate": day.isoformat()}],
                "dimensions": [{"name": "sessionDefaultChannelGroup"}],
                "metrics": [{"name": name} for name in METRICS],
                "limit": self.page_size,
                "offset": offset,
            }
            response = self.api.run_report(self.property_id, body)
            page, total = _parse(response)
            rows.extend(page)
            offset += len(page)
            if not page or offset >= total:
                return rows

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []  # the Data API reports aggregates only (see the module docstring)

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return []  # GA4 measures the site, not posts


def _parse(response: httpx.Response) -> tuple[list[dict], int]:
    try:
        body = response.json()
        names = [h["name"] for h in body.get("metricHeaders", [])]
        rows = [
            {
                "channel": row["dimensionValues"][0]["value"],
                **{name: float(value["value"]) for name, value in zip(names, row["metricValues"])},
            }
            for row in body.get("rows", [])
        ]
        return rows, int(body.get("rowCount", len(rows)))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(
            PROVIDER, f"malformed runReport response ({type(exc).__name__}: {exc})", response.status_code
        ) from None
