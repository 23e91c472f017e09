"""Daily campaign spend from LinkedIn's Advertising API (httpx, LinkedIn's versioned REST client).

- `GET /rest/adAccounts/{id}`: the account's `currency`;
- `GET /rest/adAccounts/{id}/adCampaigns?q=search`: campaign ids and names (paged by `pageToken`);
- `GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(…),end:(…))
  &accounts=List(urn%3Ali%3AsponsoredAccount%3A{id})&fields=costInLocalCurrency,impressions,clicks,
  dateRange,pivotValues`: one element per campaign and day.
Docs: https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from marketing_engine.resources.ad_spend import SettingError
from marketing_engine.resources.platforms.client import OAuthToken
from marketing_engine.resources.platforms.linkedin import LinkedInApi
from marketing_engine.resources.platforms.linkedin.settings import REST_URL
from marketing_engine.resources.retry import ProviderError

PROVIDER = "linkedin_ads"
SOURCE = "linkedin_ads_api"
FIELDS = "costInLocalCurrency,impressions,clicks,dateRange,pivotValues"
MAX_PAGES = 50


def _restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


class LinkedInAdsSpend:
    name = PROVIDER

    def __init__(self, token: OAuthToken | str, account_id: str, *, rest_url: str = REST_URL, **options: Any):
        self.api = LinkedInApi(token if isinstance(token, OAuthToken) else OAuthToken(token), **options)
        self.api.provider = PROVIDER
        self.account = str(account_id).strip().rsplit(":", 1)[-1]
        if not self.account.isdigit():
            raise SettingError(PROVIDER, f"LINKEDIN_AD_ACCOUNT_ID {account_id!r} is not an ad account number")
        self.rest = rest_url.rstrip("/")

    def currency(self) -> str:
        account = self.api.get_json(f"{self.rest}/adAccounts/{self.account}")
        if not account.get("currency"):
            raise ProviderError(PROVIDER, f"ad account {self.account} has no currency in its answer")
        return str(account["currency"])

    def campaign_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        params: dict[str, Any] = {"q": "search", "pageSize": 1000}
        for _ in range(MAX_PAGES):
            body = self.api.get_json(f"{self.rest}/adAccounts/{self.account}/adCampaigns", params=params)
            names.update({str(c["id"]): str(c.get("name") or c["id"]) for c in body.get("elements", [])})
            token = (body.get("metadata") or {}).get("nextPageToken")
            if not token:
                return names
            params = {**params, "pageToken": token}
        raise ProviderError(PROVIDER, f"adCampaigns paging did not end after {MAX_PAGES} pages")

    def daily_spend(self, first: date, last: date) -> list[dict]:
        """One row per campaign and day between `first` and `last` (inclusive), in the spend format."""
        account = quote(f"urn:li:sponsoredAccount:{self.account}", safe="")
        url = (
            f"{self.rest}/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
            f"&dateRange=(start:{_restli_date(first)},end:{_restli_date(last)})"
            f"&accounts=List({account})&fields={FIELDS}"
        )  # Rest.li 2.0 syntax: parentheses and colons as they are, URNs percent-encoded
        currency, names = self.currency(), self.campaign_names()
        body = self.api.get_json(url)
        return [_row(element, names, currency) for element in body.get("elements", [])]


def _row(element: dict, names: dict[str, str], currency: str) -> dict:
    try:
        start = element["dateRange"]["start"]
        campaign = str(element["pivotValues"][0]).rsplit(":", 1)[-1]
        return {
            "day": date(start["year"], start["month"], start["day"]).isoformat(),
            "platform": PROVIDER,
            "campaign": names.get(campaign, campaign),
            "spend": element["costInLocalCurrency"],
            "currency": currency,
            "impressions": element.get("impressions", 0),
            "clicks": element.get("clicks", 0),
        }
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ProviderError(
            PROVIDER, f"malformed adAnalytics element ({type(exc).__name__}: {exc})"
        ) from None
