"""An SEO split test of page titles, measured on Search Console clicks and CTR (docs/experiments.md).

Search engines show one title per URL, so visitors cannot be split: pages are. The brand's pages are
ranked by their pre-period clicks and impressions and paired (strata of two pages with similar traffic); within
each pair a hash of the slug sends one page to `treatment` and one to `control` — deterministic, so
every site build puts each page in the same group. Treatment pages are built with the variant title
(`variant_title`: the brand's name after the title, where it fits the 60-character limit); control
pages keep theirs. Pages whose title cannot take the variant stay out of the test.

The read (`read_title_test`) sums each group's Search Console clicks and impressions per day from the
first assignment on and reads CTR through `assignments.ab_read` (Bayesian + always-valid sequential
test, the same stop rules as the hook tests). It also reports the difference-in-differences of CTR
against the pre-period and CUPED's variance reduction with each page's pre-period CTR as covariate.
A decided test's winner is applied: after "ship B" every page is built with the variant title, after
"keep A" none is; campaign memory keeps the result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from marketing_engine.analytics.assignments import (
    FINAL,
    ExperimentRead,
    ab_read,
    assignments,
    save_assignments,
)
from marketing_engine.analytics.experiments import cuped
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import CampaignMetric, ExperimentResult, ProgrammaticPage

EXPERIMENT = "seo_title"
PRE_DAYS = 28  # the pre-period the groups are balanced on and the difference-in-differences reads
TITLE_LIMIT = 60
ARMS = ("control", "treatment")
LABELS = ("title as written", "title | brand")  # variant A and B as experiment_results names them


def variant_title(title: str, brand_name: str) -> str | None:
    """The treatment title: `<title> | <brand>`, or None when it would pass 60 characters or the title
    names the brand already (such a page cannot take the variant)."""
    if brand_name.casefold() in title.casefold():
        return None
    variant = f"{title} | {brand_name}"
    return variant if len(variant) <= TITLE_LIMIT else None


def _coin(slug: str) -> int:
    return hashlib.sha256(f"{EXPERIMENT}|{slug}".encode()).digest()[0] & 1


def page_groups(pages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """slug → control | treatment for pages `{slug, clicks, impressions}` (pre-period figures, 0 when
    unknown): ranked by clicks, then impressions (then slug), paired, one page of each pair to each
    group by a hash. Clicks first: they carry both traffic and CTR, the metric the test reads."""

    def traffic(page: Mapping[str, Any]) -> tuple[float, float, str]:
        return (-float(page.get("clicks") or 0.0), -float(page.get("impressions") or 0.0), page["slug"])

    ranked = sorted(pages, key=traffic)
    groups: dict[str, str] = {}
    for start in range(0, len(ranked), 2):
        pair = ranked[start : start + 2]
        first = _coin(pair[0]["slug"])
        for offset, page in enumerate(pair):
            groups[page["slug"]] = ARMS[(first + offset) % 2]
    return groups


def search_rows(warehouse: Warehouse, brand: str, urls: Sequence[str]) -> pd.DataFrame:
    """Search Console clicks and impressions per page URL and day (`campaign_metrics`, platform search),
    with the source that measured them (`search_console`, or `simulator` offline)."""
    metric = CampaignMetric
    query = select(metric.content_ref, metric.day, metric.source, metric.metric, metric.value).where(
        metric.brand == brand,
        metric.platform == "search",
        metric.metric.in_(["clicks", "impressions"]),
        metric.content_ref.in_(list(urls)),
    )
    with warehouse.session() as session:
        rows = [dict(row._mapping) for row in session.execute(query)]
    if not rows:
        return pd.DataFrame(columns=["url", "day", "source", "clicks", "impressions"])
    frame = pd.DataFrame(rows).pivot_table(
        index=["content_ref", "day", "source"],
        columns="metric",
        values="value",
        aggfunc="sum",
        fill_value=0.0,
    )
    frame = frame.reindex(columns=["clicks", "impressions"], fill_value=0.0).reset_index()
    return frame.rename(columns={"content_ref": "url"})


def _decided(warehouse: Warehouse, brand: str) -> str | None:
    with warehouse.session() as session:
        return session.scalar(
            select(ExperimentResult.decision).where(
                ExperimentResult.brand == brand, ExperimentResult.experiment == EXPERIMENT
            )
        )


def apply_titles(
    warehouse: Warehouse, profile: Any, pages: Sequence[Any], today: date | None = None
) -> tuple[list[Any], dict[str, str]]:
    """The site's pages (`seo.site.SitePage`) with the test applied: treatment pages carry the variant
    title. New pages join the test (assigned and stored); once the test is decided the winner applies
    to every page that can take it. Returns the pages and slug → arm for those in the test."""
    today = today or datetime.now(UTC).date()
    base = profile.site_url.rstrip("/")
    eligible = {p.slug: p for p in pages if variant_title(p.draft["title"], profile.name)}
    stored = {row["unit"]: row for row in assignments(warehouse, profile.slug, EXPERIMENT)}
    new = [slug for slug in eligible if slug not in stored]
    if new:
        urls = {slug: base + eligible[slug].path for slug in new}
        traffic = search_rows(warehouse, profile.slug, list(urls.values()))
        pre = traffic[traffic["day"] >= today - timedelta(days=PRE_DAYS)].groupby("url")[
            ["clicks", "impressions"]
        ]
        pre = pre.sum().to_dict("index")
        groups = page_groups([{"slug": s, **pre.get(urls[s], {})} for s in new])
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
        rows = [
            {
                "brand": profile.slug,
                "experiment": EXPERIMENT,
                "unit": slug,
                "platform": "search",
                "content_ref": urls[slug],
                "arm": arm,
                "assigned_at": now,
            }
            for slug, arm in groups.items()
        ]
        save_assignments(warehouse, rows)
        stored.update({row["unit"]: row for row in rows})
    decision = _decided(warehouse, profile.slug)
    out = []
    for page in pages:
        arm = stored.get(page.slug, {}).get("arm") if page.slug in eligible else None
        variant = decision == "ship B" or (arm == "treatment" and decision not in FINAL)
        if page.slug in eligible and variant:
            title = variant_title(page.draft["title"], profile.name)
            page = replace(page, draft={**page.draft, "title": title})
        out.append(page)
    return out, {slug: stored[slug]["arm"] for slug in eligible if slug in stored}


def served_pages(warehouse: Warehouse, brand: str) -> list[dict[str, Any]]:
    """The brand's built pages as a search engine sees them: URL, and whether the page carries the
    variant title (its arm, or every eligible page once the test shipped the variant). What the
    metrics simulator measures offline."""
    page = ProgrammaticPage
    query = select(page.slug, func.coalesce(page.published_url, page.canonical_url)).where(
        page.brand == brand, func.coalesce(page.published_url, page.canonical_url).is_not(None)
    )
    with warehouse.session() as session:
        built = session.execute(query).tuples().all()
    arms = {row["unit"]: row["arm"] for row in assignments(warehouse, brand, EXPERIMENT)}
    decision = _decided(warehouse, brand)
    return [
        {
            "url": url,
            "variant": slug in arms
            and (decision == "ship B" or (arms[slug] == "treatment" and decision not in FINAL)),
        }
        for slug, url in built
    ]


def page_rows(provider: Any, warehouse: Warehouse, request: Any) -> list[dict[str, Any]]:
    """The day's Search Console page rows from the metrics provider (none from one without pages);
    the offline simulator is told which pages are served with the variant title."""
    if not hasattr(provider, "page_metrics"):
        return []
    from marketing_engine.resources.metrics.simulator import SimulatorBackend

    if isinstance(provider, SimulatorBackend):
        return provider.page_metrics(request.day, served_pages(warehouse, request.brand))
    return provider.page_metrics(request.day)


def read_title_test(warehouse: Warehouse, brand: str) -> ExperimentRead:
    """The title test read from Search Console rows of its pages since the first assignment."""
    read = ExperimentRead()
    units = assignments(warehouse, brand, EXPERIMENT)
    if not units:
        return read
    arm_of = {row["content_ref"]: row["arm"] for row in units}
    start = min(row["assigned_at"] for row in units).date()
    rows = search_rows(warehouse, brand, list(arm_of))
    rows["arm"] = rows["url"].map(arm_of)
    test, pre = rows[rows["day"] >= start], rows[rows["day"] < start]
    daily = test.groupby(["day", "arm"])[["impressions", "clicks"]].sum().unstack("arm", fill_value=0)
    if test.empty or any(("impressions", arm) not in daily.columns for arm in ARMS):
        read.waiting = [EXPERIMENT]
        return read
    counts = pd.DataFrame(
        {
            "day": daily.index,
            "n_a": daily[("impressions", "control")].to_numpy(),
            "x_a": daily[("clicks", "control")].to_numpy(),
            "n_b": daily[("impressions", "treatment")].to_numpy(),
            "x_b": daily[("clicks", "treatment")].to_numpy(),
        }
    )
    if counts["n_a"].sum() < 2 or counts["n_b"].sum() < 2:
        read.waiting = [EXPERIMENT]
        return read
    did, reduction = _did(test, pre), _cuped(test, pre)
    before = [_ctr(pre, arm) for arm in ARMS]
    calibration = before[1] / before[0] if all(before) else None
    if calibration:  # the control's clicks as the treatment group would have had them without the variant
        counts["x_a"] = np.minimum(np.round(counts["x_a"] * calibration), counts["n_a"]).astype(int)
    subject = (
        "page titles in Search Console (CTR per impression)"
        + (
            f"; control calibrated by the groups' pre-period CTR ratio {calibration:.3f}"
            if calibration
            else ""
        )
        + (f"; difference-in-differences of CTR {did * 100:+.2f} pt" if did is not None else "")
    )
    read.results.append(
        ab_read(
            EXPERIMENT,
            subject,
            *LABELS,
            counts,
            brand,
            # the stop rules count pages, the units of this test (its trials are impressions)
            units=(
                test.loc[test["arm"] == ARMS[0], "url"].nunique(),
                test.loc[test["arm"] == ARMS[1], "url"].nunique(),
            ),
            cuped_variance_reduction=reduction,
        )
    )
    # measured units (pages) by the source that measured them: the simulator's rows offline
    read.sources = {str(k): int(n) for k, n in test.drop_duplicates("url")["source"].value_counts().items()}
    return read


def _ctr(frame: pd.DataFrame, arm: str) -> float | None:
    rows = frame[frame["arm"] == arm]
    impressions = float(rows["impressions"].sum())
    return float(rows["clicks"].sum()) / impressions if impressions else None


def _did(test: pd.DataFrame, pre: pd.DataFrame) -> float | None:
    """(treatment CTR after − before) − (control CTR after − before), or None without a pre-period."""
    values = [_ctr(frame, arm) for frame in (test, pre) for arm in ARMS]
    if any(v is None for v in values):
        return None
    control_after, treatment_after, control_before, treatment_before = values
    return (treatment_after - treatment_before) - (control_after - control_before)


def _cuped(test: pd.DataFrame, pre: pd.DataFrame) -> float | None:
    """CUPED's variance reduction of per-page test CTR with the page's pre-period CTR as covariate."""
    after = test.groupby("url")[["clicks", "impressions"]].sum()
    before = pre.groupby("url")[["clicks", "impressions"]].sum()
    both = after.join(before, lsuffix="_after", rsuffix="_before", how="inner")
    both = both[(both["impressions_after"] > 0) & (both["impressions_before"] > 0)]
    if len(both) < 3:
        return None
    metric = (both["clicks_after"] / both["impressions_after"]).to_numpy(float)
    covariate = (both["clicks_before"] / both["impressions_before"]).to_numpy(float)
    return float(np.round(cuped(metric, covariate).variance_reduction, 4))
