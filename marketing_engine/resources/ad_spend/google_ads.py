"""Daily campaign spend from the Google Ads API through the official `google-ads` client (gRPC).

`GoogleAdsService.SearchStream` with GAQL over `campaign` segmented by `segments.date`: campaign
name, cost in micros of the account's currency, impressions and clicks. The client refreshes the
OAuth token itself and sends the developer token (and the manager account's id) as metadata.
Docs: https://developers.google.com/google-ads/api/docs/reporting/streaming,
https://developers.google.com/google-ads/api/fields/latest/campaign
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_engine.resources.ad_spend import SettingError
from marketing_engine.resources.retry import ProviderError

PROVIDER = "google_ads"
SOURCE = "google_ads_api"
VERSION = "v26"
QUERY = (
    "SELECT campaign.name, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, "
    "customer.currency_code FROM campaign "
    "WHERE segments.date BETWEEN '{first}' AND '{last}' AND metrics.cost_micros > 0"
)


def _customer(value: str, name: str) -> str:
    digits = str(value or "").replace("-", "").strip()
    if not (digits.isdigit() and len(digits) == 10):
        raise SettingError(PROVIDER, f"{name} {value!r} is not a 10-digit customer id (123-456-7890)")
    return digits


def ads_client(
    developer_token: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    login_customer_id: str | None = None,
    endpoint: str | None = None,
) -> Any:
    """A `GoogleAdsClient` on an installed-app OAuth refresh token (`endpoint`: another API host)."""
    from google.ads.googleads.client import GoogleAdsClient

    config: dict[str, Any] = {
        "developer_token": developer_token,
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
        "use_proto_plus": True,
    }
    if login_customer_id:
        config["login_customer_id"] = _customer(login_customer_id, "GOOGLE_ADS_LOGIN_CUSTOMER_ID")
    if endpoint:
        config["endpoint"] = endpoint
    return GoogleAdsClient.load_from_dict(config, version=VERSION)


class GoogleAdsSpend:
    name = PROVIDER

    def __init__(self, client: Any, customer_id: str):
        """`client`: a `GoogleAdsClient`, or a function that makes one (`ads_client` refreshes the
        OAuth token as it is made: the resource defers that to the fetch); `customer_id`: the
        advertiser's account."""
        self.client = client
        self.customer = _customer(customer_id, "GOOGLE_ADS_CUSTOMER_ID")

    def daily_spend(self, first: date, last: date) -> list[dict]:
        """One row per campaign and day with spend between `first` and `last` (inclusive)."""
        import grpc
        from google.ads.googleads.errors import GoogleAdsException
        from google.auth.exceptions import GoogleAuthError

        query = QUERY.format(first=first.isoformat(), last=last.isoformat())
        try:
            client = self.client() if callable(self.client) else self.client
            service = client.get_service("GoogleAdsService")
            return [
                _row(row)
                for batch in service.search_stream(customer_id=self.customer, query=query)
                for row in batch.results
            ]
        except GoogleAdsException as exc:
            errors = "; ".join(e.message for e in exc.failure.errors) or exc.error.code().name
            raise ProviderError(
                PROVIDER, errors[:300], code=exc.error.code().name, note=exc.request_id
            ) from None
        except GoogleAuthError as exc:
            raise ProviderError(
                PROVIDER, f"OAuth refresh failed: {type(exc).__name__}: {exc}"[:300]
            ) from None
        except grpc.RpcError as exc:
            raise ProviderError(
                PROVIDER, f"{exc.code().name}: {exc.details()}"[:300], code=exc.code().name
            ) from None


def _row(row: Any) -> dict:
    return {
        "day": row.segments.date,
        "platform": PROVIDER,
        "campaign": row.campaign.name,
        "spend": row.metrics.cost_micros / 1_000_000,
        "currency": row.customer.currency_code,
        "impressions": row.metrics.impressions,
        "clicks": row.metrics.clicks,
    }
