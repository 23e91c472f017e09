"""The marketing report: one standalone HTML file with plotly charts a person actually looks at.

Sections: attribution by model side by side, experiment posteriors, forecasts with intervals, a
posting-time heatmap, trend opportunities, share of voice in AI answers, pages and videos published,
indexing, text generation (backend, model, cost and what the response cache saved) and campaign memory.
plotly.js is inlined once, so the file opens offline. Text from outside (topics, titles) is
escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class ReportData:
    brand: str
    generated_at: datetime
    attribution: pd.DataFrame  # model, channel, share, revenue
    experiments: list[dict]  # experiment rows (conversions_a/b, visitors_a/b, names, chance_to_win ...)
    forecasts: pd.DataFrame  # kind, subject, predicted, low, high
    posts: pd.DataFrame  # platform, hour, engagement_rate
    findings: list[dict]
    trends: list[dict] = field(default_factory=list)  # topic, score, reason
    pages: list[dict] = field(default_factory=list)  # title, url, status
    videos: list[dict] = field(default_factory=list)  # topic, rendition, duration_s
    scores: dict[str, float] = field(default_factory=dict)  # predictor scores for the header
    indexing: dict = field(default_factory=dict)  # indexed, not_indexed, reasons (seo.indexing.index_summary)
    visibility: list[dict] = field(default_factory=list)  # day, assistant, share of voice, rates
    generation: list[dict] = field(default_factory=list)  # task, backend, model, counts (llm_ledger.totals)
    generation_days: int = 30  # the period `generation` covers, ending on the day of `generated_at`
    provenance: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> origin -> rows
    not_configured: dict[str, list[str]] = field(default_factory=dict)  # measuring asset -> source names


# Which measured tables each headline figure and chart is drawn from, for its measured/simulated mark.
SCORE_TABLES: dict[str, tuple[str, ...]] = {
    "journeys": ("customer_journeys",),
    "posts measured": ("content_performance",),
    "revenue credited": ("customer_journeys",),
    "ad spend": ("ad_spend",),
    "Attribution": ("customer_journeys",),
    "Experiments": ("content_performance", "campaign_metrics"),  # posts' and pages' measured rows
    "Content forecast": ("content_performance",),
    "Campaign forecast": ("customer_journeys", "ad_spend"),  # credited revenue and recorded spend
    "Posting times": ("content_performance",),
    "Trend opportunities": ("trend_data",),
    "AI visibility": ("ai_visibility",),
}


def merged_origins(provenance: dict[str, dict[str, int]], tables: tuple[str, ...]) -> dict[str, int]:
    """The rows per origin of several tables together."""
    merged: dict[str, int] = {}
    for table in tables:
        for origin, rows in provenance.get(table, {}).items():
            merged[origin] = merged.get(origin, 0) + rows
    return merged


def origin_kind(origin: str) -> str:
    """How the report marks an origin: simulated, imported, unknown (stored before provenance), measured."""
    from marketing_engine.provenance import IMPORT, is_simulated

    if is_simulated(origin):
        return "simulated"
    return {IMPORT: "imported", "unknown": "unknown"}.get(origin, "measured")


def figure_mark(origins: dict[str, int]) -> str:
    """A figure's mark from the origins of its table's rows: `no data`, or its kinds (e.g. `simulated`)."""
    kinds = sorted({origin_kind(origin) for origin, rows in origins.items() if rows})
    return " + ".join(kinds) or "no data"


def provenance_rows(provenance: dict[str, dict[str, int]]) -> list[dict]:
    """One row per measured table: its rows per origin with their marks, or no data."""
    return [
        {
            "table": table,
            "origins": [(origin, rows, origin_kind(origin)) for origin, rows in sorted(origins.items())],
            "mark": figure_mark(origins),
            "simulated": any(origin_kind(origin) == "simulated" for origin in origins),
        }
        for table, origins in sorted(provenance.items())
    ]


def generation_summary(rows: list[dict]) -> dict:
    """The text-generation section's figures: one row per task, backend and model (ordered by task)
    with its cache hit rate, and the totals of the period (requests, dollars spent and saved)."""
    ordered = sorted(rows, key=lambda row: (row["task"], row["backend"], row["model"]))
    return {
        "rows": [
            {**row, "hit_rate": row["cache_hits"] / row["requests"] if row["requests"] else math.nan}
            for row in ordered
        ],
        "requests": sum(row["requests"] for row in rows),
        "cost_usd": sum(row["cost_usd"] for row in rows),
        "cost_saved_usd": sum(row["cost_saved_usd"] for row in rows),
    }


def usd(amount: float) -> str:
    """Dollars as an API bills them: cents from $1, else down to a hundredth of a cent."""
    return f"${amount:,.2f}" if amount >= 1 or amount == 0 else f"${amount:.4f}"


def attribution_chart(frame: pd.DataFrame):
    import plotly.graph_objects as go

    figure = go.Figure()
    for model, group in frame.groupby("model", sort=False):
        figure.add_bar(name=model, x=group["channel"], y=group["share"])
    figure.update_layout(
        barmode="group",
        title="Share of credit by channel, per attribution model",
        yaxis_tickformat=".0%",
        height=420,
        legend_orientation="h",
    )
    return figure


def posterior_chart(experiments: list[dict]):
    """Posterior densities of each variant's conversion rate (Beta, drawn on a grid)."""
    import plotly.graph_objects as go
    from scipy.stats import beta

    figure = go.Figure()
    for row in experiments:
        for variant, conv, n in (
            ("A", row["conversions_a"], row["visitors_a"]),
            ("B", row["conversions_b"], row["visitors_b"]),
        ):
            a, b = conv + 1, n - conv + 1
            lo, hi = beta.ppf([0.0005, 0.9995], a, b)
            grid = np.linspace(lo, hi, 200)
            figure.add_scatter(
                x=grid,
                y=beta.pdf(grid, a, b),
                mode="lines",
                name=f"{row['experiment']} · {variant} ({row['variant_' + variant.lower()]})",
            )
    figure.update_layout(title="Experiment posteriors (conversion rate)", xaxis_tickformat=".1%", height=420)
    return figure


def forecast_chart(frame: pd.DataFrame, kind: str, title: str):
    import plotly.graph_objects as go

    rows = frame[frame["kind"] == kind].sort_values("predicted", ascending=False).head(15)
    figure = go.Figure(
        go.Bar(
            x=rows["subject"],
            y=rows["predicted"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": rows["high"] - rows["predicted"],
                "arrayminus": rows["predicted"] - rows["low"],
            },
        )
    )
    figure.update_layout(title=title, height=420)
    return figure


def heatmap_chart(posts: pd.DataFrame):
    import plotly.graph_objects as go

    table = posts.pivot_table(index="platform", columns="hour", values="engagement_rate", aggfunc="mean")
    figure = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[f"{h:02d}:00" for h in table.columns],
            y=list(table.index),
            colorscale="Viridis",
            colorbar_tickformat=".1%",
        )
    )
    figure.update_layout(title="Mean engagement rate by posting hour", height=420)
    return figure


def trends_chart(trends: list[dict]):
    import plotly.graph_objects as go

    rows = sorted(trends, key=lambda r: r["score"], reverse=True)[:15]
    figure = go.Figure(go.Bar(x=[r["score"] for r in rows], y=[r["topic"] for r in rows], orientation="h"))
    figure.update_layout(title="Trend opportunities", height=420, yaxis_autorange="reversed")
    return figure


def visibility_chart(visibility: list[dict]):
    """Share of voice in AI answers over time, one line per assistant."""
    import plotly.graph_objects as go

    figure = go.Figure()
    days = sorted({r["day"] for r in visibility})
    for assistant in sorted({r["assistant"] for r in visibility}):
        rows = [r for r in visibility if r["assistant"] == assistant]
        figure.add_trace(
            go.Scatter(
                x=[r["day"] for r in rows],
                y=[r["share_of_voice"] for r in rows],
                name=assistant,
                mode="lines+markers",
            )
        )
    # Whole days on the axis, even with one day measured (plotly would otherwise zoom into milliseconds).
    figure.update_xaxes(type="category" if len(days) < 3 else "date", tickformat="%Y-%m-%d")
    figure.update_layout(
        title="Share of voice in AI answers", height=360, yaxis_tickformat=".0%", yaxis_rangemode="tozero"
    )
    return figure


def render_report(data: ReportData) -> str:
    """The report as one HTML string (plotly.js inlined in the first chart)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    charts = [("Attribution", attribution_chart(data.attribution))] if not data.attribution.empty else []
    if data.experiments:
        charts.append(("Experiments", posterior_chart(data.experiments)))
    if not data.forecasts.empty:
        charts.append(
            (
                "Content forecast",
                forecast_chart(data.forecasts, "content", "Predicted engagement rate (80% interval)"),
            )
        )
        charts.append(
            (
                "Campaign forecast",
                forecast_chart(
                    data.forecasts, "campaign", "Predicted revenue per campaign-day (80% interval)"
                ),
            )
        )
    if not data.posts.empty:
        charts.append(("Posting times", heatmap_chart(data.posts)))
    if data.trends:
        charts.append(("Trend opportunities", trends_chart(data.trends)))
    if data.visibility:
        charts.append(("AI visibility", visibility_chart(data.visibility)))
    rendered = [
        (title, figure.to_html(full_html=False, include_plotlyjs=(i == 0), config=PLOTLY_CONFIG))
        for i, (title, figure) in enumerate(charts)
    ]
    env = Environment(
        loader=PackageLoader("marketing_engine.analytics", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    return env.get_template("report.html").render(
        data=data,
        charts=rendered,
        generation=generation_summary(data.generation),
        provenance=provenance_rows(data.provenance),
        marks={
            name: figure_mark(merged_origins(data.provenance, tables))
            for name, tables in SCORE_TABLES.items()
            if data.provenance
        },
        usd=usd,
        percent=lambda v: "–" if v is None or math.isnan(v) else f"{v:.1%}",
    )
