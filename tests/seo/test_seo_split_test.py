"""The page-title split test: page groups stratified by traffic, the variant served to the treatment
group, Search Console rows read through the sequential test, and the winner applied and remembered."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from marketing_engine.analytics.loop import measure_posts, remember, run_experiments
from marketing_engine.brand import load_brand
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.seo.site import SitePage
from marketing_engine.seo.split_test import (
    EXPERIMENT,
    LABELS,
    apply_titles,
    page_groups,
    read_title_test,
    variant_title,
)
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse

BRANDS = {"kestrel": EXAMPLE_BRAND, "tasca": EXAMPLE_BRAND.parent / "examples" / "tasca-da-conceicao.yaml"}
START = date(2026, 9, 1)  # the test's first day; the 14 days before it are the pre-period
PRE, TEST = 14, 21
LIFT = 0.15  # the truth of the searches below: a treatment title lifts CTR by 15%


def _pages(n: int = 24) -> list[SitePage]:
    return [
        SitePage(
            f"/guide/p{i}/",
            f"p{i}",
            "Guide",
            f"topic {i}",
            "c",
            "C",
            {"title": f"Topic {i} guide"},
            START,
            START,
        )
        for i in range(n)
    ]


class SearchConsoleRows:
    """A provider answering `page_metrics(day)` with searchanalytics.query's rows (keys → page), here
    from a known truth: per-page impressions and CTR, treatment pages' CTR x (1 + LIFT) from START."""

    def __init__(self, urls: dict[str, str], arms: dict[str, str]):
        self.urls, self.arms = urls, arms

    def page_metrics(self, day: date) -> list[dict]:
        rng = np.random.default_rng(day.toordinal())
        rows = []
        for i, (slug, url) in enumerate(sorted(self.urls.items())):
            impressions = float(rng.poisson(300 + 40 * i))
            ctr = 0.02 + 0.002 * (i % 7)
            if day >= START and self.arms.get(slug) == "treatment":
                ctr *= 1 + LIFT
            clicks = float(rng.binomial(int(impressions), ctr))
            rows.append(
                {
                    "page": url,
                    "clicks": clicks,
                    "impressions": impressions,
                    "ctr": clicks / max(impressions, 1),
                    "source": "search_console",
                    "position": 6.0,
                }
            )
        return rows

    def post_metrics(self, request, posts):
        return []


def _measurer(warehouse: Warehouse, profile, pages: list[SitePage]):
    """The pages' URLs, and `measure(day, arms)`: their Search Console rows of the day (treatment pages
    lifted once assigned), stored through measure_posts as content_metrics stores them."""
    base = profile.site_url.rstrip("/")
    urls = {p.slug: base + p.path for p in pages}

    def measure(day: date, arms: dict[str, str]) -> None:
        request = MetricsRequest(profile.slug, day, [], [], [])
        measure_posts(warehouse, SearchConsoleRows(urls, arms), request, None)

    return urls, measure


def test_page_groups_pair_pages_of_similar_traffic_and_never_move_a_page():
    pages = [{"slug": f"p{i}", "impressions": 1000 - 37 * i} for i in range(21)]
    groups = page_groups(pages)
    assert groups == page_groups(list(reversed(pages)))  # the order pages come in does not matter
    ranked = [p["slug"] for p in sorted(pages, key=lambda p: -p["impressions"])]
    for start in range(0, 20, 2):  # each traffic stratum of two gives one page to each group
        assert {groups[ranked[start]], groups[ranked[start + 1]]} == {"control", "treatment"}
    traffic = {
        arm: sum(p["impressions"] for p in pages if groups[p["slug"]] == arm)
        for arm in ("control", "treatment")
    }
    assert abs(traffic["control"] - traffic["treatment"]) <= 1000  # at most one unpaired page apart
    assert variant_title("A guide", "Kestrel") == "A guide | Kestrel"
    assert variant_title("Kestrel cargo bikes", "Kestrel") is None  # names the brand already
    assert variant_title("x" * 55, "Kestrel") is None  # over 60 characters


@pytest.mark.parametrize("name", sorted(BRANDS))
def test_title_test_serves_the_variant_reads_search_console_and_applies_the_winner(name, tmp_path):
    profile = load_brand(BRANDS[name])
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    pages = _pages()
    urls, measure = _measurer(warehouse, profile, pages)

    for offset in range(PRE, 0, -1):  # the pre-period: no page has a variant yet
        measure(START - timedelta(days=offset), {})
    served, arms = apply_titles(warehouse, profile, pages, today=START)
    assert sorted(arms) == sorted(urls) and set(arms.values()) == {"control", "treatment"}
    for page, written in zip(served, pages, strict=True):
        title = written.draft["title"]
        wanted = variant_title(title, profile.name) if arms[page.slug] == "treatment" else title
        assert page.draft["title"] == wanted and written.draft["title"] == title  # the input is not changed
    assert apply_titles(warehouse, profile, pages, today=START + timedelta(days=3))[1] == arms  # stable
    assert read_title_test(warehouse, profile.slug).waiting == [EXPERIMENT]  # assigned, not measured: no data

    for offset in range(TEST):
        measure(START + timedelta(days=offset), arms)
    outcome = run_experiments(warehouse, profile.slug, profile)
    (result,) = [r for r in outcome.experiments if r["experiment"] == EXPERIMENT]
    assert outcome.sources == {"search_console": len(urls)}  # measured pages, by who measured them
    assert (result["variant_a"], result["variant_b"]) == LABELS
    assert result["visitors_a"] + result["visitors_b"] > 100_000  # impressions since the first assignment
    assert result["sequential_significant"] and result["decision"] == "ship B"
    assert result["ci_low"] < LIFT < result["ci_high"]  # the true lift, against the calibrated control
    assert "pre-period CTR ratio" in result["subject"]
    assert "difference-in-differences" in result["subject"]
    assert result["cuped_variance_reduction"] > 0.5  # the pre-period CTR explains most of the per-page spread
    print(
        name,
        {
            k: result[k]
            for k in (
                "visitors_a",
                "visitors_b",
                "lift",
                "chance_to_win",
                "cuped_variance_reduction",
                "subject",
            )
        },
    )

    # The winner is applied to every page and remembered.
    after, _ = apply_titles(warehouse, profile, pages, today=START + timedelta(days=TEST))
    assert all(p.draft["title"].endswith(f" | {profile.name}") for p in after)
    findings = [f for f in remember(warehouse, profile.slug) if f.finding_key == EXPERIMENT]
    assert findings and "ship B" in findings[0].finding
    warehouse.dispose()


def test_offline_the_metrics_simulator_measures_the_titles_served(tmp_path):
    """Offline, content_metrics' simulator reports Search Console rows for the built pages, treatment
    pages (served the variant title) clicked 10% more: the test is read from those rows as stored."""
    from marketing_engine.analytics.simulator import TITLE_VARIANT_EFFECT
    from marketing_engine.resources.metrics.simulator import SimulatorBackend
    from marketing_engine.warehouse import upsert
    from marketing_engine.warehouse.models import CampaignMetric, ProgrammaticPage

    profile = load_brand(EXAMPLE_BRAND)
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    pages = _pages(40)
    base = profile.site_url.rstrip("/")
    built = [
        {"brand": profile.slug, "slug": p.slug, "page_type": "Guide", "keyword": p.keyword}
        | {"title": p.draft["title"], "canonical_url": base + p.path, "status": "ready"}
        for p in pages
    ]
    with warehouse.session() as session:
        upsert(session, ProgrammaticPage, built, keys=ProgrammaticPage.natural_key)
    backend = SimulatorBackend(seed=0, journeys_per_day=10, posts_per_day=0)

    def measure(day: date) -> None:
        request = MetricsRequest(profile.slug, day, ["linkedin"], [], ["general"])
        measure_posts(warehouse, backend, request, None)

    for offset in range(PRE, 0, -1):
        measure(START - timedelta(days=offset))
    apply_titles(warehouse, profile, pages, today=START)
    for offset in range(28):
        measure(START + timedelta(days=offset))
    outcome = run_experiments(warehouse, profile.slug, profile)
    (result,) = [r for r in outcome.experiments if r["experiment"] == EXPERIMENT]
    assert outcome.sources == {"simulator": len(pages)}  # the simulator's rows are not called measured
    with warehouse.session() as session:
        sources = {row.source for row in session.query(CampaignMetric).filter_by(platform="search")}
    assert sources == {"simulator"}  # measured rows, labelled as the simulator's
    assert result["visitors_a"] + result["visitors_b"] > 200_000
    assert result["ci_low"] < TITLE_VARIANT_EFFECT - 1 < result["ci_high"]  # the simulator's truth, found
    assert result["decision"] == "ship B"
    print(
        {
            k: result[k]
            for k in (
                "visitors_a",
                "visitors_b",
                "lift",
                "ci_low",
                "ci_high",
                "decision",
                "cuped_variance_reduction",
                "subject",
            )
        }
    )
    warehouse.dispose()


def test_title_test_counts_pages_not_impressions_for_its_stop_rules(tmp_path):
    """The title test's trials are impressions but its units are pages: a day of 9,000 impressions per
    group is no reason to stop it (MAX_UNITS = 400 units), and while it runs treatment pages keep the
    variant and no winner reaches the writers."""
    from marketing_engine.analytics.assignments import FINAL
    from marketing_engine.analytics.recall import writer_memory

    profile = load_brand(EXAMPLE_BRAND)
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    pages = _pages()
    _, measure = _measurer(warehouse, profile, pages)

    for offset in range(PRE, 0, -1):
        measure(START - timedelta(days=offset), {})
    _, arms = apply_titles(warehouse, profile, pages, today=START)
    measure(START, arms)
    outcome = run_experiments(warehouse, profile.slug, profile)
    (result,) = [r for r in outcome.experiments if r["experiment"] == EXPERIMENT]
    assert result["visitors_a"] > 400 and result["decision"] not in FINAL
    served, _ = apply_titles(warehouse, profile, pages, today=START + timedelta(days=1))
    treated = [p for p in served if arms[p.slug] == "treatment"]
    assert treated and all(p.draft["title"].endswith(f" | {profile.name}") for p in treated)
    assert EXPERIMENT not in writer_memory(warehouse, profile.slug, ["site"]).winners
    warehouse.dispose()
