"""The analytics group's real inputs: customer journeys imported from a touch file or GA4's BigQuery
export, and daily ad spend from Meta, Google Ads, LinkedIn or a spend file.

imported_journeys ─► attribution_tables          ad_spend ─► performance_forecasts (ROI)

Wiring only: the formats and the joins live in `analytics.journey_import`, `analytics.ga4_export`
and `analytics.spend`; the API clients in `resources.ad_spend`.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import dagster as dg

from marketing_engine.assets.automation import WAREHOUSE, calls, on_cron, owners
from marketing_engine.assets.common import markdown_table
from marketing_engine.resources.ad_spend import AdSpendResource
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.journey_sources import NOT_CONFIGURED, JourneySourcesResource
from marketing_engine.resources.warehouse import WarehouseResource

GROUP = "analytics"
DAILY = "0 5 * * *"  # before the 07:00 metrics: the day's journeys and spend are in when the models run


def _asset(kinds: set[str], **spec):
    return dg.asset(
        group_name=GROUP,
        owners=owners(GROUP),
        code_version="1",
        kinds={"python", WAREHOUSE, *kinds},
        automation_condition=on_cron(DAILY),
        **calls("metrics"),
        **spec,
    )


@_asset(
    kinds={"bigquery"},
    description="Customer journeys from real data: a touch file (JOURNEYS_FILE, one touch per row, CSV or "
    "Parquet) or GA4's BigQuery export (GA4_BIGQUERY_DATASET, the last 30 days), grouped per visitor and "
    "ending at a conversion. Not configured, nothing is imported and the metadata says so.",
)
def imported_journeys(
    brand: BrandResource, warehouse: WarehouseResource, journey_sources: JourneySourcesResource
) -> dg.MaterializeResult:
    from marketing_engine.analytics.journey_import import JourneyImportError, build_journeys, store_journeys

    source = journey_sources.source
    if source is None:
        return dg.MaterializeResult(metadata={"source": NOT_CONFIGURED, "journeys": 0})
    profile = brand.load()
    try:
        touches, window = journey_sources.touches(datetime.now(UTC).date(), profile.currency_code)
    except JourneyImportError as exc:  # bad input: trying again reads the same file
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    journeys = build_journeys(touches, source, journey_sources.lookback_days)
    summary = store_journeys(warehouse.get(), brand.slug, journeys, window)
    channels = Counter(c for j in journeys for c in j["channels"])
    return dg.MaterializeResult(
        metadata={
            "source": source,
            "touches_read": len(touches),
            "journeys": summary.journeys,
            "conversions": summary.conversions,
            "revenue": profile.money(summary.revenue),
            "first_day": str(summary.first_day or ""),
            "last_day": str(summary.last_day or ""),
            "preview": markdown_table(
                [{"channel": c, "touches": n} for c, n in channels.most_common()], ["channel", "touches"], 12
            ),
        }
    )


@_asset(
    kinds={"meta", "google", "linkedin"},
    description="Daily spend per ad campaign for the last 30 days (platforms restate recent spend) from the "
    "Meta Marketing API, the Google Ads API, LinkedIn's adAnalytics or a spend file (AD_SPEND_FILE); "
    "offline, simulated spend labelled `simulator`. The ROI predictor learns from it.",
)
def ad_spend(
    brand: BrandResource, warehouse: WarehouseResource, ad_spend_sources: AdSpendResource
) -> dg.MaterializeResult:
    from marketing_engine.analytics import store
    from marketing_engine.analytics.spend import fetch_spend, simulated_fetch, spend_window

    profile = brand.load()
    first, last = spend_window(datetime.now(UTC).date())
    if ad_spend_sources.backend == "simulator":
        fetched = simulated_fetch(profile, first, last)
    else:
        fetched = fetch_spend(
            ad_spend_sources.sources(profile.currency_code), first, last, profile.currency_code
        )
    written = store.save_spend(warehouse.get(), brand.slug, fetched.rows)
    metadata = {
        "rows": written,
        "spend": profile.money(sum(r["spend"] for r in fetched.rows)),
        "sources": dg.MetadataValue.json(fetched.per_source),
        "not_configured": ", ".join(ad_spend_sources.not_configured())
        if ad_spend_sources.backend == "live"
        else "",
        "window": f"{first} .. {last}",
        "preview": markdown_table(fetched.rows, ["day", "platform", "campaign", "spend", "source"], 12),
    }
    if fetched.failures:  # the others are stored; the step fails so its retry tries the failed ones again
        failed = "; ".join(f"{name}: {why}" for name, why in fetched.failures.items())
        # a malformed setting or a bad spend file reads the same on a retry: only outages are retried
        raise dg.Failure(
            description=f"ad spend sources failed: {failed}",
            metadata=metadata,
            allow_retries=fetched.retryable(),
        )
    return dg.MaterializeResult(metadata=metadata)
