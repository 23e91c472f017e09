"""Where real customer journeys come from: a touch file (JOURNEYS_FILE, CSV or Parquet) or GA4's
BigQuery export (GA4_BIGQUERY_DATASET, optionally GA4_BIGQUERY_PROJECT to bill another project;
credentials from GOOGLE_APPLICATION_CREDENTIALS). Unset, nothing is imported and the asset says so."""

from __future__ import annotations

import os
from datetime import date, timedelta

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from marketing_engine.analytics.journey_import import LOOKBACK_DAYS, Touch

SETTINGS = {
    "JOURNEYS_FILE": "journeys_file",
    "GA4_BIGQUERY_DATASET": "ga4_bigquery_dataset",
    "GA4_BIGQUERY_PROJECT": "ga4_bigquery_project",
}
NOT_CONFIGURED = "not configured: set JOURNEYS_FILE (a touch file) or GA4_BIGQUERY_DATASET (docs/journeys.md)"


class JourneySourcesResource(ConfigurableResource):
    journeys_file: str = ""
    ga4_bigquery_dataset: str = ""
    ga4_bigquery_project: str = ""  # billing project; default: the dataset's
    lookback_days: int = Field(default=LOOKBACK_DAYS, gt=0)

    @classmethod
    def from_env(cls) -> JourneySourcesResource:
        return cls(**{field: EnvVar(env) for env, field in SETTINGS.items() if env in os.environ})

    @property
    def source(self) -> str | None:
        """`import` (the file), `ga4_bigquery`, or None when neither is configured."""
        if self.journeys_file:
            return "import"
        return "ga4_bigquery" if self.ga4_bigquery_dataset else None

    def touches(self, today: date, currency: str | None) -> tuple[list[Touch], tuple[str, date] | None]:
        """The file's touches (window None: the whole file), or the export's over the lookback
        window up to yesterday with that window (source, first day), which the import replaces."""
        if self.source == "import":
            from marketing_engine.analytics.journey_import import read_touches

            return read_touches(self.journeys_file, currency), None
        if self.source is None:
            raise ValueError(NOT_CONFIGURED)
        from marketing_engine.analytics.ga4_export import PROVIDER, bigquery_client, export_touches

        project = self.ga4_bigquery_project or self.ga4_bigquery_dataset.split(".")[0]
        first, last = today - timedelta(days=self.lookback_days), today - timedelta(days=1)
        client = bigquery_client(project)
        return export_touches(client, self.ga4_bigquery_dataset, first, last, currency), (PROVIDER, first)
