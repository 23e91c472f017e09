"""Touches from GA4's BigQuery export (the daily `events_YYYYMMDD` tables) through google-cloud-bigquery.

One query over `events_*` for a range of days (`_TABLE_SUFFIX`): every `session_start` is a touch
on the session's channel, every `purchase` a conversion with `ecommerce.purchase_revenue` and the
event's `currency` parameter. A session's source, medium and campaign are its last-click source
(`session_traffic_source_last_click.manual_campaign`, in exports since mid-2024), else the event's
collected UTM parameters (`collected_traffic_source`), else direct. `ga4_channel` maps source and
medium onto the engine's channels (the table is in docs/journeys.md).

Schema: https://support.google.com/analytics/answer/7029846 (the export's columns),
REST: https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/query.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from marketing_engine.analytics.journey_import import JourneyImportError, Touch, channel_name
from marketing_engine.resources.retry import ProviderError

PROVIDER = "ga4_bigquery"
_DATASET = re.compile(r"^[a-z][a-z0-9\-]{4,61}[a-z0-9]\.[A-Za-z0-9_]{1,1024}$")

QUERY = """
SELECT
  user_pseudo_id,
  event_timestamp,
  event_name,
  COALESCE(session_traffic_source_last_click.manual_campaign.source,
           collected_traffic_source.manual_source, '(direct)') AS source,
  COALESCE(session_traffic_source_last_click.manual_campaign.medium,
           collected_traffic_source.manual_medium, '(none)') AS medium,
  COALESCE(session_traffic_source_last_click.manual_campaign.campaign_name,
           collected_traffic_source.manual_campaign_name, '') AS campaign,
  ecommerce.purchase_revenue AS revenue,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'currency') AS currency,
  (SELECT ANY_VALUE(item_name) FROM UNNEST(items)) AS product
FROM `{dataset}.events_*`
WHERE _TABLE_SUFFIX BETWEEN @first_day AND @last_day
  AND event_name IN ('session_start', 'purchase')
  AND user_pseudo_id IS NOT NULL
ORDER BY user_pseudo_id, event_timestamp
"""

# Paid media, by the source's platform: the channel names ad spend is recorded under too.
PAID_MEDIA = {
    "cpc",
    "ppc",
    "paid",
    "paidsearch",
    "paid_search",
    "paid_social",
    "paidsocial",
    "cpm",
    "display",
}
PAID_SOURCES = {
    "google": "google_ads",
    "adwords": "google_ads",
    "facebook": "meta_ads",
    "fb": "meta_ads",
    "instagram": "meta_ads",
    "ig": "meta_ads",
    "meta": "meta_ads",
    "linkedin": "linkedin_ads",
    "bing": "microsoft_ads",
}
SOCIAL_SOURCES = {
    "facebook": "facebook",
    "m.facebook.com": "facebook",
    "l.facebook.com": "facebook",
    "fb": "facebook",
    "instagram": "instagram",
    "l.instagram.com": "instagram",
    "ig": "instagram",
    "linkedin": "linkedin",
    "lnkd.in": "linkedin",
    "twitter": "x",
    "t.co": "x",
    "x": "x",
    "x.com": "x",
    "youtube": "youtube",
    "m.youtube.com": "youtube",
    "tiktok": "tiktok",
    "pinterest": "pinterest",
    "reddit": "reddit",
    "threads": "threads",
    "threads.net": "threads",
    "bsky.app": "bluesky",
}
SEARCH_ENGINES = {"google", "bing", "duckduckgo", "yahoo", "ecosia", "baidu", "yandex"}


def ga4_channel(source: str | None, medium: str | None) -> str:
    """The engine's channel for a GA4 session source / medium (docs/journeys.md has the table)."""
    source = (source or "").strip().lower().removeprefix("www.")
    medium = (medium or "").strip().lower()
    platform = source.split(".")[0] if source.count(".") >= 1 and source not in SOCIAL_SOURCES else source
    if medium in PAID_MEDIA:
        return PAID_SOURCES.get(platform, "other_paid")
    if medium in ("email", "e-mail", "newsletter"):
        return "email"
    if source in SOCIAL_SOURCES or platform in SOCIAL_SOURCES:
        return SOCIAL_SOURCES.get(source) or SOCIAL_SOURCES[platform]
    if medium == "organic" or platform in SEARCH_ENGINES:
        return "organic_search"
    if source in ("(direct)", "") and medium in ("(none)", "(not set)", ""):
        return "direct"
    if medium == "referral":
        return "referral"
    return "other"


def _touch(row: Any, where: str, currency: str | None) -> Touch:
    moment = datetime.fromtimestamp(int(row["event_timestamp"]) / 1_000_000, UTC)
    purchase = row["event_name"] == "purchase"
    revenue = float(row["revenue"] or 0.0) if purchase else 0.0
    code = str(row["currency"] or "").upper()
    if purchase and revenue and currency and code and code != currency.upper():
        raise JourneyImportError(
            f"{where}: purchase revenue in {code} but the brand's revenue is in {currency.upper()}"
        )
    channel = "" if purchase else channel_name(ga4_channel(row["source"], row["medium"]), where)
    return Touch(
        str(row["user_pseudo_id"]),
        moment,
        channel,  # a purchase happens within a session already counted as a touch
        purchase,
        round(revenue, 2),
        code,
        str(row["product"] or "")[:200],
        str(row["campaign"] or ""),
    )


def export_touches(
    client: Any, dataset: str, first: date, last: date, currency: str | None = None
) -> list[Touch]:
    """Touches from `dataset` ("project.analytics_<property id>") between two days, inclusive;
    `client` is a `google.cloud.bigquery.Client`."""
    from google.api_core import exceptions
    from google.cloud import bigquery

    if not _DATASET.match(dataset or ""):
        raise JourneyImportError(
            f"GA4_BIGQUERY_DATASET {dataset!r} is not 'project.dataset' (e.g. my-project.analytics_123456789)"
        )
    if first > last:
        raise JourneyImportError(f"GA4 export range {first} .. {last} is empty")
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("first_day", "STRING", first.strftime("%Y%m%d")),
            bigquery.ScalarQueryParameter("last_day", "STRING", last.strftime("%Y%m%d")),
        ]
    )
    try:
        rows = client.query_and_wait(QUERY.format(dataset=dataset), job_config=config)
        return [_touch(row, f"{dataset} event {i + 1}", currency) for i, row in enumerate(rows)]
    except exceptions.GoogleAPICallError as exc:
        status = getattr(exc, "code", None)
        raise ProviderError(
            PROVIDER, str(getattr(exc, "message", exc))[:300], int(status) if status else None
        ) from None


def bigquery_client(project: str, credentials: Any = None) -> Any:
    """A BigQuery client billed to `project`; credentials from the environment (a service
    account through GOOGLE_APPLICATION_CREDENTIALS) unless given. None found is a setting to fix,
    named, not a failure to retry."""
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery

    try:
        return bigquery.Client(project=project, credentials=credentials)
    except DefaultCredentialsError:
        raise JourneyImportError(
            "GA4_BIGQUERY_DATASET is set but no Google credentials were found: set "
            "GOOGLE_APPLICATION_CREDENTIALS to the service account's key file (docs/journeys.md)"
        ) from None
