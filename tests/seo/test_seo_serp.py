"""Search positions: the simulator's stated assumptions, snippet opportunities, Search Console rows."""

from __future__ import annotations

from datetime import date

import pytest

from marketing_engine.seo import serp

DAY = date(2026, 11, 26)


def test_the_simulator_is_deterministic_and_rewards_a_deep_passing_page() -> None:
    strong = serp.RankingInput("how long does an e-bike battery last", "https://x/p/", True, 2200, 6)
    weak = serp.RankingInput("how long does an e-bike battery last", "https://x/p/", True, 320, 1)
    assert serp.simulate_position(strong, DAY) == serp.simulate_position(strong, DAY)
    assert serp.simulate_position(strong, DAY).position < serp.simulate_position(weak, DAY).position
    no_page = [
        serp.simulate_position(serp.RankingInput(f"keyword {i}", None, False, 0, 0), DAY) for i in range(40)
    ]
    assert all(p.position is None or p.position >= 50 for p in no_page)
    assert any(p.position is None for p in no_page)
    assert serp.difficulty("e-bike") > serp.difficulty("how long does an e-bike battery last in winter")


@pytest.mark.parametrize(
    ("keyword", "position", "expected"),
    [
        ("how to charge an e-bike battery", 4.0, "list"),
        ("what is a cargo e-bike", 2.0, "paragraph"),
        ("is hub motor vs mid drive better", 7.5, "table"),
        ("how much does a cargo e-bike cost", 10.0, "table"),
        ("what is a cargo e-bike", 1.0, None),
        ("what is a cargo e-bike", 11.2, None),
        ("cargo e-bike tips", 3.0, None),
        ("what is a cargo e-bike", None, None),
    ],
)
def test_snippet_opportunities_are_questions_ranking_2_to_10(keyword: str, position, expected) -> None:
    assert serp.snippet_opportunity(serp.Position(keyword, position, None, 0, 0)) == expected


def test_search_console_rows_keep_the_best_page_per_tracked_query() -> None:
    rows = [
        {"keys": ["Cargo E-Bike Portland", "https://x/a/"], "position": 8.26, "impressions": 40, "clicks": 2},
        {"keys": ["cargo e-bike portland", "https://x/b/"], "position": 3.0, "impressions": 90, "clicks": 9},
        {"keys": ["untracked query", "https://x/c/"], "position": 1.0, "impressions": 5, "clicks": 1},
    ]
    found = serp.from_search_console(rows, {"cargo e-bike portland"})
    assert found == {
        "cargo e-bike portland": serp.Position("cargo e-bike portland", 3.0, "https://x/b/", 90, 9)
    }
