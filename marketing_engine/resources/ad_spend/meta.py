"""Daily campaign spend from the Meta Marketing API's ad account insights (httpx, Meta's Graph client).

`GET /{version}/act_{ad account id}/insights?level=campaign&time_increment=1&time_range={since,until}
&fields=campaign_id,campaign_name,spend,impressions,clicks,account_currency`, following `paging.next`.
Each row is one campaign's day: `{"campaign_name", "spend": "12.34", "impressions": "1020",
"clicks": "31", "account_currency": "EUR", "date_start": "2026-11-02", "date_stop": "2026-11-02"}`.
Docs: https://developers.facebook.com/docs/marketing-api/insights/parameters
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from marketing_engine.resources.ad_spend import SettingError
from marketing_engine.resources.http import json_object
from marketing_engine.resources.platforms.meta import GraphClient
from marketing_engine.resources.retry import ProviderError

PROVIDER = "meta_ads"
SOURCE = "meta_ads_api"
FIELDS = "campaign_id,campaign_name,spend,impressions,clicks,account_currency"
MAX_PAGES = 200


class MetaAdsSpend:
    name = PROVIDER

    def __init__(self, access_token: str, account_id: str, **graph_options: Any):
        """`account_id`: the ad account's number, with or without its `act_` prefix."""
        self.graph = GraphClient(access_token, PROVIDER, **graph_options)
        self.account = str(account_id).strip().removeprefix("act_")
        if not self.account.isdigit():
            raise SettingError(PROVIDER, f"META_ADS_ACCOUNT_ID {account_id!r} is not an ad account number")

    def daily_spend(self, first: date, last: date) -> list[dict]:
        """One row per campaign and day between `first` and `last` (inclusive), in the spend format."""
        params = self.graph.params(
            level="campaign",
            fields=FIELDS,
            time_increment=1,
            time_range=json.dumps({"since": first.isoformat(), "until": last.isoformat()}),
            limit=500,
        )
        url: str | None = self.graph.url(f"act_{self.account}/insights")
        rows: list[dict] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return rows
            body = json_object(self.graph.request("GET", url, params=params), PROVIDER)
            rows += [_row(item) for item in _items(body)]
            url, params = (body.get("paging") or {}).get("next"), None  # `next` carries every parameter
        raise ProviderError(PROVIDER, f"insights paging did not end after {MAX_PAGES} pages")


def _items(body: dict) -> list[dict]:
    data = body.get("data")
    if not isinstance(data, list):
        raise ProviderError(PROVIDER, "malformed insights response (no data list)")
    return data


def _row(item: dict) -> dict:
    try:
        return {
            "day": item["date_start"],
            "platform": PROVIDER,
            "campaign": item.get("campaign_name") or item["campaign_id"],
            "spend": item["spend"],
            "currency": item["account_currency"],
            "impressions": item.get("impressions", 0),
            "clicks": item.get("clicks", 0),
        }
    except (KeyError, TypeError) as exc:
        raise ProviderError(PROVIDER, f"malformed insights row (missing {exc})") from None
