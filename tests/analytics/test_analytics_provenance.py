"""Provenance of measured figures: each row names its origin, the sources are reported by origin,
and the report marks measured and simulated figures apart and names what is not configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from marketing_engine.analytics.report import SCORE_TABLES, figure_mark, merged_origins, render_report
from marketing_engine.analytics.touchpoints import channel_metric_rows, journey_rows, performance_rows
from marketing_engine.provenance import SourceReport, combined, is_simulated
from marketing_engine.resources.metrics import MetricsResource
from marketing_engine.resources.metrics.base import MetricsRequest
from marketing_engine.resources.metrics.live import LiveBackend

DAY = date(2026, 11, 20)
REQUEST = MetricsRequest(brand="b", day=DAY, channels=["x", "email"], products=[("P", 10.0)], topics=["t"])


class Answers:
    """A provider that answers with fixed rows (what a real provider returns, before stamping)."""

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def journeys(self, request):
        return [dict(r) for r in self.rows]

    def post_metrics(self, request, posts):
        return [dict(r) for r in self.rows]

    def channel_totals(self, day):
        return [{"channel": "Email", "sessions": 4.0}]


def test_the_live_backend_stamps_each_row_with_its_provider_unless_it_said():
    live = LiveBackend([Answers([{"a": 1}]), Answers([{"a": 2, "source": "import"}])], ["ga4", "x"])
    assert [r["source"] for r in live.journeys(REQUEST)] == ["ga4", "import"]
    assert [row["source"] for row in live.channel_totals(DAY)] == ["ga4", "x"]
    assert LiveBackend([], []).post_metrics(REQUEST, []) == []


def test_the_simulator_labels_what_it_makes_and_the_rows_keep_it():
    client = MetricsResource(journeys_per_day=50, simulated_posts_per_day=5).client()
    journeys = client.journeys(REQUEST)
    assert {j["source"] for j in journeys} == {"simulator"}
    assert {r["source"] for r in journey_rows(journeys, "b", DAY)} == {"simulator"}
    assert {r["source"] for r in channel_metric_rows(journeys, "b", DAY)} == {"simulator"}
    assert {r["source"] for r in performance_rows(client.post_metrics(REQUEST, []), "b", DAY)} == {
        "simulator"
    }


def test_a_row_without_a_source_is_refused_by_name():
    with pytest.raises(ValueError, match="a journey without a source"):
        journey_rows([{"journey_key": "k", "channels": ["x"], "days_before": [0], "converted": False,
                       "revenue": 0, "product": "P"}], "b", DAY)  # fmt: skip


def test_sources_name_every_provider_by_origin():
    assert MetricsResource().sources().metadata() == {
        "sources": "simulator: metrics simulator",
        "not_configured": [],
    }
    live = MetricsResource(backend="live", x_bearer_token="t").sources()
    assert live.measured == ["x"] and {"ga4", "meta", "search_console"} <= set(live.not_configured)
    assert MetricsResource(backend="live").client().journeys(REQUEST) == []  # none configured: no data
    report = SourceReport().add("measured", "x").add("import", "file").add("not configured", "ga4")
    assert report.metadata()["sources"] == "measured: x; import: file; not configured: ga4"


def test_combined_origins_keep_the_simulator_visible():
    assert combined(["x", "ga4", "x"]) == "ga4+x" and combined([None]) == ""
    assert is_simulated("ga4+simulator") and not is_simulated("ga4") and not is_simulated(None)
    assert is_simulated("offline")  # index_status inferred from the pages' facts, not inspected
    assert figure_mark({"simulator": 3, "x": 2}) == "measured + simulated" and figure_mark({}) == "no data"
    # a figure drawn from two tables carries both origins: imported journeys, simulated spend
    both = merged_origins(
        {"customer_journeys": {"import": 9}, "ad_spend": {"simulator": 4}}, SCORE_TABLES["Campaign forecast"]
    )
    assert figure_mark(both) == "imported + simulated"


def test_the_report_marks_measured_and_simulated_figures_and_names_what_is_not_configured(report_data):
    data = replace(
        report_data,
        scores={"journeys": "6,000", "posts measured": "300"},
        provenance={
            "customer_journeys": {"simulator": 6000},
            "content_performance": {"x": 300},
            "serp_results": {},
        },
        not_configured={"serp_positions": ["search_console"], "ai_visibility": ["gemini <b>"]},
    )
    html = render_report(data)
    assert (
        "Simulated figures" in html and "simulator: 6,000 (simulated)" in html and "x: 300 (measured)" in html
    )
    assert '<span class="mark simulated">simulated</span>' in html  # the journeys figure and its charts
    assert '<span class="mark measured">measured</span>' in html  # posts measured, posting times
    assert "serp_positions: search_console" in html and "gemini &lt;b&gt;" in html
    empty = render_report(replace(data, attribution=pd.DataFrame(columns=["model", "channel", "share", "revenue"]),
                                  provenance={"customer_journeys": {}}))  # fmt: skip
    assert "No data: no customer journeys were measured" in empty and "Simulated figures" not in empty


class Refuses:
    """A provider whose token was revoked: it fails for good (its retries spent)."""

    def journeys(self, request):
        from marketing_engine.resources.retry import ProviderError

        raise ProviderError("meta", "Error validating access token", 401)

    def post_metrics(self, request, posts):
        return self.journeys(request)


def test_one_failing_provider_costs_only_its_own_rows(tmp_path):
    """One platform's outage is named, after the other providers' rows are stored (the step fails
    and its retry asks again): one revoked token never loses every platform's day."""
    from marketing_engine.analytics.loop import measure_journeys
    from marketing_engine.resources.retry import ProviderError
    from marketing_engine.warehouse import Warehouse

    journey = {"journey_key": "k1", "channels": ["x"], "days_before": [0.5], "converted": True,
               "revenue": 12.0, "product": "P"}  # fmt: skip
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    live = LiveBackend([Refuses(), Answers([journey])], ["meta", "ga4"])
    with pytest.raises(
        ProviderError, match=r"^metrics: providers failed .*stored\): meta: HTTP 401: Error validating"
    ) as raised:
        measure_journeys(warehouse, live, REQUEST)
    assert raised.value.retryable and "ga4" not in str(raised.value)
    assert warehouse.measured_origins("b")["customer_journeys"] == {"ga4": 1}  # the answer is kept
    warehouse.dispose()
