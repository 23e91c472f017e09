"""Google Analytics 4 Data API: daily sessions, key events and revenue per default channel group.

`runReport` through the official client (`google-analytics-data`, `BetaAnalyticsDataClient` on the
REST transport: `POST https://analyticsdata.googleapis.com/v1beta/properties/{id}:runReport`, docs:
https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport)
with google-auth credentials that refresh themselves from GOOGLE_REFRESH_TOKEN. Pages through
`rowCount` with `limit`/`offset`; the client's own retries are off (retry=None) so Google's retry
policy (`platforms.google.execute`) is the only one. The Data API has no user-level paths, so this
provider feeds the channel totals in `campaign_metrics`; journeys for attribution come from a
journey export (or the simulator offline).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_engine.resources.http import ProviderError
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.google import execute, ga4_client

PROVIDER = "ga4"
METRICS = ("sessions", "keyEvents", "totalRevenue")
PAGE = 10_000


class GA4Backend:
    def __init__(self, property_id: str, token: OAuthToken, page_size: int = PAGE, client: Any = None):
        """`client`: a BetaAnalyticsDataClient (default: the REST one on `token`'s credentials)."""
        self.property_id = property_id
        self.client = client or ga4_client(token)
        self.page_size = page_size

    def channel_totals(self, day: date) -> list[dict]:
        """[{channel, sessions, keyEvents, totalRevenue}] for one day, all pages."""
        from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, RunReportRequest

        rows: list[dict] = []
        while True:
            request = RunReportRequest(
                property=f"properties/{self.property_id}",
                date_ranges=[DateRange(start_date=day.isoformat(), end_date=day.isoformat())],
                dimensions=[Dimension(name="sessionDefaultChannelGroup")],
                metrics=[Metric(name=name) for name in METRICS],
                limit=self.page_size,
                offset=len(rows),
            )
            report = execute(
                PROVIDER, lambda request=request: self.client.run_report(request=request, retry=None)
            )
            page, total = _parse(report)
            rows.extend(page)
            if not page or len(rows) >= total:
                return rows

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []  # the Data API reports aggregates only (see the module docstring)

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        return []  # GA4 measures the site, not posts


def _parse(response: Any) -> tuple[list[dict], int]:
    """A RunReportResponse's rows as dicts, and its rowCount (every row of the report, all pages)."""
    try:
        names = [header.name for header in response.metric_headers]
        rows = [
            {
                "channel": row.dimension_values[0].value,
                **{name: float(value.value) for name, value in zip(names, row.metric_values, strict=True)},
            }
            for row in response.rows
        ]
        return rows, int(response.row_count or len(rows))
    except (ValueError, IndexError, TypeError) as exc:
        raise ProviderError(PROVIDER, f"malformed runReport response ({type(exc).__name__}: {exc})") from None
