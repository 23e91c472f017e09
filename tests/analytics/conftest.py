"""Fixtures of the analytics tests."""

import pytest


@pytest.fixture
def report_data():
    """Report inputs in the warehouse's shapes, including trends, pages and videos from other groups."""
    from datetime import UTC, datetime

    import pandas as pd

    from marketing_engine.analytics.report import ReportData
    from marketing_engine.analytics.simulator import post_truth, random_posts, simulate_post_metrics

    platforms, topics = ["linkedin", "tiktok"], ["cargo e-bike"]
    posts = pd.DataFrame(
        simulate_post_metrics(random_posts(platforms, topics, 200), post_truth(platforms, topics))
    )
    attribution = pd.DataFrame(
        [
            {"model": m, "channel": c, "share": s, "revenue": 1000 * s}
            for m in ("last_touch", "shapley")
            for c, s in (("x", 0.6), ("email", 0.4))
        ]
    )
    forecasts = pd.DataFrame(
        [
            {"kind": k, "subject": f"{k} {i}", "predicted": 1.0 + i, "low": 0.5 + i, "high": 2.0 + i}
            for k in ("content", "campaign")
            for i in range(3)
        ]
    )
    experiment = {
        "experiment": "title:<script>x</script>",
        "variant_a": "A",
        "variant_b": "B",
        "visitors_a": 1000,
        "conversions_a": 50,
        "visitors_b": 1000,
        "conversions_b": 62,
        "chance_to_win": 0.87,
        "lift": 0.24,
        "ci_low": -0.1,
        "ci_high": 0.6,
        "expected_loss": 0.01,
        "decision": "keep running",
    }
    return ReportData(
        brand="Kestrel Cycles",
        generated_at=datetime.now(UTC),
        attribution=attribution,
        experiments=[experiment],
        forecasts=forecasts,
        posts=posts,
        findings=[{"finding": "on tiktok, story hooks win"}],
        trends=[{"topic": "cargo e-bike tax credit", "score": 0.9, "reason": "spiking"}],
        pages=[{"title": "Cargo e-bikes in Portland", "status": "published"}],
        videos=[{"topic": "cargo e-bike", "rendition": "vertical", "duration_s": 30.0}],
    )
