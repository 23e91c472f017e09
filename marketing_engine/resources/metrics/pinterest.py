"""Pinterest post metrics: `GET /v5/pins/{pin_id}/analytics?start_date=&end_date=
&metric_types=IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK&app_types=ALL&split_field=NO_SPLIT`
(docs: https://developers.pinterest.com/docs/api/v5/pins-analytics, scope `pins:read`) for the day
measured, one call per pin (the API has no batch of pins). The answer's `all.summary_metrics` gives
the counts; a pin with no `READY` day (analytics still processing) is left out. Impressions are
IMPRESSION; engagements SAVE + PIN_CLICK + OUTBOUND_CLICK (Pinterest's own engagement); clicks
OUTBOUND_CLICK (visits to the linked site). On a 401 the token is refreshed once when
PINTEREST_REFRESH_TOKEN, PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET are set; rate limits and
5xx go through Pinterest's client and retry policy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_engine.resources.http import json_object
from marketing_engine.resources.metrics.base import MetricsRequest, measured_row, posts_on, refreshed
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.pinterest import PinterestApi
from marketing_engine.resources.retry import ProviderError

PROVIDER = "pinterest"
METRIC_TYPES = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")
NEEDS = "PINTEREST_REFRESH_TOKEN, PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET"


class PinterestMetricsBackend:
    def __init__(self, token: OAuthToken, **options: Any):
        """`options`: base_url, client, sleep … as `PinterestApi` takes them."""
        self.api = PinterestApi(token, **options)

    def pin_counts(self, pin_id: str, day: date) -> dict | None:
        """{impressions, engagements, clicks} of one pin on `day`; None while Pinterest has no
        finished data for that day, or when the pin is gone (404)."""
        params = {
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "metric_types": ",".join(METRIC_TYPES),
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        }
        url = f"{self.api.base}/pins/{pin_id}/analytics"
        try:
            response = refreshed(
                PROVIDER, lambda: self.api.request("GET", url, params=params), self.api.refresh, NEEDS
            )
        except ProviderError as exc:
            if exc.status == 404:  # the pin was deleted: nothing to measure
                return None
            raise
        body = json_object(response, PROVIDER)
        try:
            report = body["all"]
            if not any(d.get("data_status") == "READY" for d in report.get("daily_metrics", [])):
                return None
            counts = {name: int(report["summary_metrics"].get(name, 0)) for name in METRIC_TYPES}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError(
                PROVIDER, f"malformed pin analytics ({type(exc).__name__}: {exc})", response.status_code
            ) from None
        return {
            "impressions": counts["IMPRESSION"],
            "engagements": counts["SAVE"] + counts["PIN_CLICK"] + counts["OUTBOUND_CLICK"],
            "clicks": counts["OUTBOUND_CLICK"],
        }

    def journeys(self, request: MetricsRequest) -> list[dict]:
        return []

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        rows = []
        for post in posts_on("pinterest", posts):
            counts = self.pin_counts(str(post["platform_post_id"]), request.day)
            if counts is not None:
                rows.append(measured_row(post, counts, PROVIDER))
        return rows
