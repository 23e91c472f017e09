"""Ad spend: the spend file format, its rows in the warehouse, and the campaign-days the ROI
predictor learns from (spend joined with the revenue attribution credits to the same channel).

Spend rows (`ad_spend`): day, platform (the channel the spend buys, named as in the journeys:
`google_ads`, `meta_ads`, `linkedin_ads`, …), campaign, spend, currency, impressions, clicks and
source (the API that answered, `import` for a file, `simulator` offline). docs/journeys.md has the
file format.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from marketing_engine.analytics.journey_import import JourneyImportError, channel_name, read_rows
from marketing_engine.resources.ad_spend import SettingError

REQUIRED = ("day", "platform", "campaign", "spend", "currency")
SPEND_DAYS = 30  # platforms restate recent spend: each run fetches the last 30 days again


class SpendError(ValueError):
    """A spend file (or platform answer) that cannot be read as spend rows, named with its row."""


def _number(value: object, column: str, where: str, whole: bool = False) -> float:
    text = "" if value is None else str(value).strip()
    try:
        number = float(text) if text else 0.0
    except ValueError:
        raise SpendError(f"{where}, column {column!r}: {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or (whole and number != int(number)):
        kind = "a whole number" if whole else "a number"
        raise SpendError(f"{where}, column {column!r}: {value!r} must be {kind} >= 0")
    return number


def spend_row(row: dict, where: str, source: str, currency: str | None = None) -> dict:
    """One spend row checked and typed; `where` names it in errors, `currency` is the brand's."""
    try:
        day = date.fromisoformat(str(row.get("day") or "").strip()[:10])
    except ValueError:
        raise SpendError(f"{where}, column 'day': {row.get('day')!r} is not a YYYY-MM-DD day") from None
    try:
        platform = channel_name(row.get("platform"), where)
    except JourneyImportError as exc:
        raise SpendError(str(exc).replace("column 'channel'", "column 'platform'")) from None
    campaign = str(row.get("campaign") or "").strip()
    if not platform or not campaign:
        raise SpendError(f"{where}, column {'platform' if not platform else 'campaign'!r}: empty")
    code = str(row.get("currency") or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise SpendError(f"{where}, column 'currency': {row.get('currency')!r} is not an ISO 4217 code")
    if currency and code != currency.upper():
        raise SpendError(
            f"{where}, column 'currency': {code} but the brand's revenue is in {currency.upper()} "
            "(convert before importing)"
        )
    return {
        "day": day,
        "platform": platform,
        "campaign": campaign[:300],
        "spend": round(_number(row.get("spend"), "spend", where), 2),
        "currency": code,
        "impressions": int(_number(row.get("impressions"), "impressions", where, whole=True)),
        "clicks": int(_number(row.get("clicks"), "clicks", where, whole=True)),
        "source": source,
    }


def read_spend(path: str | Path, currency: str | None = None) -> list[dict]:
    """Spend rows of a CSV (.csv) or Parquet (.parquet) spend file."""
    rows = read_rows(path, REQUIRED, SpendError, "spend file")
    return [spend_row(row, where, "import", currency) for where, row in rows]


def spend_window(today: date, days: int = SPEND_DAYS) -> tuple[date, date]:
    """The days a spend run fetches: the last `days` complete days before `today`."""
    return today - timedelta(days=days), today - timedelta(days=1)


def simulated_spend(
    channels: Sequence[str], campaigns: Sequence[str], first: date, last: date, currency: str, seed: int = 0
) -> list[dict]:
    """Offline only: 50–400 a day per channel and campaign, labelled `simulator`."""
    rng = np.random.default_rng(seed)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [
        {
            "day": day,
            "platform": channel,
            "campaign": campaign,
            "spend": round(float(rng.uniform(50, 400)), 2),
            "currency": currency,
            "impressions": 0,
            "clicks": 0,
            "source": "simulator",
        }
        for day in days
        for channel in channels
        for campaign in campaigns
    ]



def simulated_fetch(profile, first: date, last: date) -> SpendFetch:
    """Offline only: simulated spend for the channels the metrics simulator's journeys name (the brand's
    channels, its site as organic search, email and the simulator's zero-lift channel) and its products."""
    from marketing_engine.analytics.simulator import ZERO_LIFT_CHANNEL

    channels = ["organic_search" if p == "wordpress" else p for p in profile.enabled_channels]
    channels += ["email", ZERO_LIFT_CHANNEL]
    rows = simulated_spend(channels, [p.name for p in profile.products], first, last, profile.currency_code)
    return SpendFetch(rows, {"simulator": len(rows)})

def campaign_days(
    journeys: pd.DataFrame, credit_share: dict[str, float], spend: pd.DataFrame
) -> pd.DataFrame:
    """Per (day, channel, campaign) with spend on a day that has journeys: the spend and the day's
    journey revenue times the channel's credit share, split over its campaigns by spend — the rows
    the ROI predictor learns from. Spend on channels no model credits earns 0."""
    columns = ["day", "channel", "campaign", "spend", "weekday", "revenue", "source"]
    if spend.empty or journeys.empty:
        return pd.DataFrame(columns=columns)
    revenue = journeys.groupby("day")["revenue"].sum()
    spent = spend[spend["day"].isin(revenue.index)].copy()
    if spent.empty:
        return pd.DataFrame(columns=columns)
    channel_total = spent.groupby(["day", "platform"])["spend"].transform("sum")
    share = spent["platform"].map(credit_share).fillna(0.0)
    weight = np.where(channel_total > 0, spent["spend"] / channel_total.where(channel_total > 0, 1.0), 0.0)
    spent["revenue"] = spent["day"].map(revenue) * share * weight
    spent["weekday"] = pd.to_datetime(spent["day"]).dt.day_name().str[:3].str.lower()
    return spent.rename(columns={"platform": "channel"})[columns].reset_index(drop=True)


def sources_of(rows: Iterable[dict]) -> dict[str, int]:
    """Rows per source (`meta_ads_api`, `import`, `simulator`, …)."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    return counts


SOURCE_LABELS = {
    "file": "import",
    "meta_ads": "meta_ads_api",
    "google_ads": "google_ads_api",
    "linkedin_ads": "linkedin_ads_api",
}


@dataclass
class SpendFetch:
    rows: list[dict] = field(default_factory=list)
    per_source: dict[str, int] = field(default_factory=dict)  # source -> rows
    failures: dict[str, str] = field(default_factory=dict)  # source -> what went wrong
    # failed sources a retry cannot fix: a malformed setting, a bad file or row (not a platform's outage)
    unfixable: set[str] = field(default_factory=set)

    def retryable(self) -> bool:
        """Whether trying again may fetch what failed: some source failed for a reason of the moment."""
        return bool(set(self.failures) - self.unfixable)


def fetch_spend(sources: Sequence, first: date, last: date, currency: str | None) -> SpendFetch:
    """Every source's daily spend, checked row by row; a failing source is named in `failures`
    and the others still count (one platform's outage costs only its own rows)."""
    fetched = SpendFetch()
    for source in sources:
        label = SOURCE_LABELS.get(source.name, source.name)
        try:
            rows = [
                spend_row(row, f"{source.name} row {i + 1}", label, currency)
                for i, row in enumerate(source.daily_spend(first, last))
            ]
        except (SpendError, RuntimeError) as exc:  # ProviderError is a RuntimeError
            fetched.failures[source.name] = str(exc)[:300]
            if isinstance(exc, (SpendError, SettingError)):
                fetched.unfixable.add(source.name)
            continue
        fetched.rows += rows
        fetched.per_source[source.name] = len(rows)
    return fetched


NO_SPEND = "no spend data: set AD_SPEND_FILE or an ad platform's settings (docs/journeys.md)"


@dataclass
class RoiForecast:
    rows: list[dict]  # `performance_forecasts` rows of kind "campaign"
    scores: list  # the ROI predictor's cross-validated score, when it was trained
    spend: str  # what it learned from, or why it made no forecast ("no spend data: …")


def roi_forecasts(
    brand: str, journeys: pd.DataFrame, shares: dict[str, float], spend: pd.DataFrame
) -> RoiForecast:
    """The ROI predictor trained on recorded spend (`ad_spend` rows) and the revenue credited to
    each channel, and its forecast per channel and campaign at the campaign's median daily spend."""
    from marketing_engine.analytics.forecasting import CampaignPredictor

    if spend.empty:
        return RoiForecast([], [], NO_SPEND)
    if not shares:
        return RoiForecast([], [], "no attribution credit yet: materialize `attribution_tables` first")
    days = campaign_days(journeys, shares, spend)
    if len(days) < 20:
        return RoiForecast(
            [], [], f"too little spend data: {len(days)} campaign-days fall on days with journeys (20 needed)"
        )
    predictor = CampaignPredictor()
    score = predictor.fit(days)
    source = "+".join(sorted(days["source"].unique()))
    grid = days.groupby(["channel", "campaign"], as_index=False)["spend"].median().assign(weekday="mon")
    rows = [
        {
            "brand": brand,
            "kind": "campaign",
            "subject": f"{r.campaign[:200]} on {r.channel}",
            "predicted": float(r.predicted),
            "low": float(r.low),
            "high": float(r.high),
            "details": {
                "spend": round(float(r.spend), 2),
                "roi": round(float(r.roi), 3),
                "spend_source": source,
            },
        }
        for r in predictor.predict(grid).itertuples()
    ]
    summary = f"{len(days)} campaign-days, {days['spend'].sum():,.2f} spent ({source})"
    return RoiForecast(rows, [score], summary)


def spend_summary(rows: Sequence[dict], money) -> str:
    """The report's line on ad spend: the total in the brand's money and where it came from."""
    if not rows:
        return "no spend data"
    sources = "+".join(sorted({row["source"] for row in rows}))
    return f"{money(sum(float(row['spend']) for row in rows))} ({sources})"
