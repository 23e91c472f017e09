"""The learners find the simulator's planted effects: hooks, posting times, content performance."""

import pandas as pd
import pytest

from marketing_engine.analytics.forecasting import ContentPredictor, ForecastError
from marketing_engine.analytics.loop import bandit_allocations, posting_window
from marketing_engine.analytics.memory import hook_findings, posting_time_findings
from marketing_engine.analytics.simulator import post_truth, random_posts, simulate_post_metrics
from marketing_engine.analytics.touchpoints import hook_type

PLATFORMS = ["linkedin", "tiktok", "x"]
TOPICS = ["cargo e-bike", "e-bike battery care"]


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    truth = post_truth(PLATFORMS, TOPICS)
    return pd.DataFrame(simulate_post_metrics(random_posts(PLATFORMS, TOPICS, 1500, seed=1), truth, seed=2))


def test_hook_findings_name_the_planted_winner(posts):
    findings = {(f.platform, f.finding_key): f for f in hook_findings(posts)}
    # Planted: on TikTok story hooks (×1.30) beat every other hook; statistic (×0.85) is weakest.
    tiktok = findings[("tiktok", "story>statistic")]
    assert tiktok.effect_low > 0.2
    assert tiktok.finding.startswith("on tiktok, story hooks beat statistic hooks by")
    assert tiktok.evidence_count > 100


def test_posting_time_finding_covers_the_planted_peak(posts):
    findings = {f.platform: f for f in posting_time_findings(posts)}
    # LinkedIn's planted peak is 08:30 and TikTok's 19:30.
    assert "06:00–09:00" in findings["linkedin"].finding
    assert "18:00–21:00" in findings["tiktok"].finding
    assert findings["linkedin"].effect_low > 0


def test_content_predictor_beats_the_platform_mean(posts):
    predictor = ContentPredictor()
    score = predictor.fit(posts)
    assert score.cv_mae < score.baseline_mae
    predicted = predictor.predict(posts.head(5))
    assert (predicted["low"] <= predicted["predicted"]).all()
    assert (predicted["predicted"] <= predicted["high"]).all()
    with pytest.raises(ForecastError, match="at least 30 posts"):
        ContentPredictor().fit(posts.head(5))


def test_bandit_allocations_favour_the_best_window(posts):
    rows = bandit_allocations(posts, "kestrel")
    tiktok_times = {
        r["arm"]: r["share"] for r in rows if r["platform"] == "tiktok" and r["dimension"] == "posting_time"
    }
    assert max(tiktok_times, key=tiktok_times.get) == posting_window(19)
    assert sum(tiktok_times.values()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "hook"),
    [
        ("Is your commute costing you an hour a day? Here's the fix.", "question"),
        ("73% of trips are under 5 km.", "statistic"),
        ("How to keep your battery healthy all winter.", "how_to"),
        ("We rode 400 km to test this.", "statistic"),
        ("Last winter our van fixed 300 flats.", "statistic"),
        ("When my car died, I bought a cargo bike.", "story"),
        ("Cargo bikes are the best family car.", "bold_claim"),
    ],
)
def test_hook_type_reads_the_opening_line(text, hook):
    assert hook_type(text) == hook
