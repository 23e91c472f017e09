"""Ad spend sources: Meta Marketing API insights, the Google Ads API, LinkedIn's adAnalytics and a
spend file; offline, simulated spend (labelled `simulator`). Each source answers
`daily_spend(first, last)` with rows in the spend format (`analytics.spend`)."""

from __future__ import annotations

import os
from datetime import date
from typing import Literal, Protocol

from dagster import ConfigurableResource, EnvVar

from marketing_engine.resources.retry import ProviderError

# source -> {environment variable: resource field} it needs (optional ones are not listed).
SECRETS: dict[str, dict[str, str]] = {
    "file": {"AD_SPEND_FILE": "spend_file"},
    "meta_ads": {
        "META_ADS_ACCESS_TOKEN": "meta_ads_access_token",
        "META_ADS_ACCOUNT_ID": "meta_ads_account_id",
    },
    "google_ads": {
        "GOOGLE_ADS_DEVELOPER_TOKEN": "google_ads_developer_token",
        "GOOGLE_ADS_CUSTOMER_ID": "google_ads_customer_id",
        "GOOGLE_ADS_CLIENT_ID": "google_ads_client_id",
        "GOOGLE_ADS_CLIENT_SECRET": "google_ads_client_secret",
        "GOOGLE_ADS_REFRESH_TOKEN": "google_ads_refresh_token",
    },
    "linkedin_ads": {
        "LINKEDIN_ADS_ACCESS_TOKEN": "linkedin_ads_access_token",
        "LINKEDIN_AD_ACCOUNT_ID": "linkedin_ad_account_id",
    },
}
OPTIONAL = {"GOOGLE_ADS_LOGIN_CUSTOMER_ID": "google_ads_login_customer_id"}


class SettingError(ProviderError):
    """A source's setting that cannot be used as given (an ad account id that is not one): unlike a
    platform's outage, trying again reads the same setting, so the step is not retried."""


class SpendSource(Protocol):
    name: str

    def daily_spend(self, first: date, last: date) -> list[dict]: ...


class FileSpend:
    name = "file"

    def __init__(self, path: str, currency: str | None):
        self.path, self.currency = path, currency

    def daily_spend(self, first: date, last: date) -> list[dict]:
        """The whole file (a file holds what a person exported; its days are not refetched)."""
        from marketing_engine.analytics.spend import read_spend

        return read_spend(self.path, self.currency)


class Unusable:
    """A source whose settings cannot be used (an ad account id that is not one): it fails when its
    spend is fetched, like a refusing platform, so the other sources still count."""

    def __init__(self, name: str, error: SettingError):
        self.name, self.error = name, error

    def daily_spend(self, first: date, last: date) -> list[dict]:
        raise self.error


class AdSpendResource(ConfigurableResource):
    """`simulator` (offline: simulated spend labelled `simulator`) or `live`: every source whose
    settings are present (see SECRETS; docs/journeys.md)."""

    backend: Literal["simulator", "live"] = "simulator"
    seed: int = 0
    spend_file: str = ""
    meta_ads_access_token: str | None = None
    meta_ads_account_id: str = ""
    google_ads_developer_token: str | None = None
    google_ads_customer_id: str = ""
    google_ads_client_id: str = ""
    google_ads_client_secret: str | None = None
    google_ads_refresh_token: str | None = None
    google_ads_login_customer_id: str = ""
    linkedin_ads_access_token: str | None = None
    linkedin_ad_account_id: str = ""

    @classmethod
    def live_from_env(cls) -> AdSpendResource:
        """The production resource: an EnvVar for every setting present in the environment (only
        presence is read here; Dagster resolves the values at run time)."""
        names = {env: field for secrets in SECRETS.values() for env, field in secrets.items()} | OPTIONAL
        return cls(
            backend="live", **{field: EnvVar(env) for env, field in names.items() if env in os.environ}
        )

    def configured(self) -> list[str]:
        return [name for name, secrets in SECRETS.items() if all(getattr(self, f) for f in secrets.values())]

    def not_configured(self) -> list[str]:
        """Sources without their settings, each with what it needs (for the asset's metadata)."""
        return [
            f"{name} ({', '.join(env for env, f in secrets.items() if not getattr(self, f))})"
            for name, secrets in SECRETS.items()
            if name not in self.configured()
        ]

    def sources(self, currency: str | None = None) -> list[SpendSource]:
        """The live sources that are configured (`currency`: the brand's, that a file must use)."""
        if self.backend != "live":
            raise ProviderError("ad_spend", "the simulator backend has no live sources")
        built: list[SpendSource] = []
        for name in self.configured():
            try:
                built.append(self._source(name, currency))
            except SettingError as exc:  # a malformed setting: that source's failure, not the step's
                built.append(Unusable(name, exc))
        return built

    def _source(self, name: str, currency: str | None) -> SpendSource:
        if name == "file":
            return FileSpend(self.spend_file, currency)
        if name == "meta_ads":
            from marketing_engine.resources.ad_spend.meta import MetaAdsSpend

            return MetaAdsSpend(self.meta_ads_access_token or "", self.meta_ads_account_id)
        if name == "linkedin_ads":
            from marketing_engine.resources.ad_spend.linkedin import LinkedInAdsSpend

            return LinkedInAdsSpend(self.linkedin_ads_access_token or "", self.linkedin_ad_account_id)
        from marketing_engine.resources.ad_spend.google_ads import GoogleAdsSpend, ads_client

        def client():  # made when spend is fetched: making it refreshes the OAuth token
            return ads_client(
                self.google_ads_developer_token or "",
                self.google_ads_client_id,
                self.google_ads_client_secret or "",
                self.google_ads_refresh_token or "",
                self.google_ads_login_customer_id or None,
            )

        return GoogleAdsSpend(client, self.google_ads_customer_id)
