"""Attribution models against hand-computed values and against the simulator's causal truth."""

from itertools import pairwise

import numpy as np
import pytest

from marketing_engine.analytics.attribution import (
    AttributionError,
    data_driven_shapley,
    first_touch,
    l1_distance,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from marketing_engine.analytics.markov import (
    aggregate_paths,
    markov_attribution,
    markov_removal_effects,
    path_chunks,
    transition_counts,
)
from marketing_engine.analytics.simulator import (
    ZERO_LIFT_CHANNEL,
    SimulationError,
    channel_lifts,
    journeys_from_records,
    simulate_journeys,
)

RECORDS = [
    {"channels": ["a", "b", "c"], "days_before": [14.0, 7.0, 0.0], "converted": True, "revenue": 100.0},
    {"channels": ["b"], "days_before": [0.0], "converted": True, "revenue": 50.0},
    {"channels": ["c", "a"], "days_before": [3.0, 0.0], "converted": False, "revenue": 0.0},
]


@pytest.fixture(scope="module")
def small():
    return journeys_from_records(RECORDS)


def test_heuristic_models_credit_revenue_by_position(small):
    assert first_touch(small).revenue == {"a": 100.0, "b": 50.0, "c": 0.0, "direct": 0.0}
    assert last_touch(small).revenue == {"a": 0.0, "b": 50.0, "c": 100.0, "direct": 0.0}
    assert linear(small).conversions["b"] == pytest.approx(1 / 3 + 1)
    assert position_based(small).revenue["b"] == pytest.approx(20.0 + 50.0)
    # Half-life 7 days: weights 1/4, 1/2, 1 over the three touches of the first journey.
    assert time_decay(small, 7.0).revenue["c"] == pytest.approx(100 * 1 / 1.75)
    with pytest.raises(AttributionError, match="half-life"):
        time_decay(small, 0)


def test_markov_removal_effects_match_the_absorbing_chain_by_hand():
    journeys = journeys_from_records(
        [
            {"channels": ["a", "b"], "days_before": [1, 0], "converted": True, "revenue": 10},
            {"channels": ["a"], "days_before": [0], "converted": False, "revenue": 0},
            {"channels": ["b"], "days_before": [0], "converted": True, "revenue": 10},
        ]
    )
    converted = journeys.converted.astype(float)
    result = markov_removal_effects(
        journeys.channels, journeys.channel, journeys.position(), converted, 1 - converted, journeys.journey
    )
    # P(conv) = 2/3·1/2 + 1/3 = 2/3; without a: 1/3 (effect 0.5); without b: 0 (effect 1).
    assert result.conversion_probability == pytest.approx(2 / 3)
    assert result.removal_effects["a"] == pytest.approx(0.5)
    assert result.removal_effects["b"] == pytest.approx(1.0)
    assert result.shares["a"] == pytest.approx(1 / 3)
    assert markov_attribution(journeys).revenue["b"] == pytest.approx(20 * 2 / 3)


@pytest.fixture(scope="module")
def simulation():
    lifts = channel_lifts(["x", "linkedin", "tiktok", "youtube", "organic_search"], seed=3)
    return simulate_journeys(lifts, 200_000, seed=5, prices=(100.0, 40.0))


def test_raw_and_aggregated_paths_give_identical_markov_shares(simulation):
    journeys = simulation.journeys
    converted = journeys.converted.astype(float)
    for order in (1, 2, 3):
        raw = markov_removal_effects(
            journeys.channels,
            journeys.channel,
            journeys.position(),
            converted,
            1 - converted,
            journeys.journey,
            order,
        )
        aggregated = markov_removal_effects(journeys.channels, *aggregate_paths(journeys), order=order)
        assert aggregated.shares == pytest.approx(raw.shares, abs=1e-12)


def test_markov_counts_in_path_chunks_match_one_pass_dense_and_sparse(simulation, monkeypatch):
    # Counting a bounded slice of whole paths at a time (memory flat in the journeys) must give the
    # counts of one pass over every touch, in the dense and the sparse code-space accumulators.
    journeys = simulation.journeys
    position, converted = journeys.position(), journeys.converted.astype(float)
    chunks = path_chunks(position, 1000)
    assert len(chunks) > 100 and all(position[lo] == 0 for lo, _ in chunks)
    assert chunks[0][0] == 0 and chunks[-1][1] == position.size
    assert all(a[1] == b[0] for a, b in pairwise(chunks))
    args = (journeys.channel, position, converted, 1 - converted, journeys.journey, len(journeys.channels))
    for order in (1, 3):
        whole = transition_counts(*args, order=order, chunk=position.size)
        for dense in (True, False):
            if not dense:
                monkeypatch.setattr("marketing_engine.analytics.markov.DENSE_PAIRS", 0)
            sliced = transition_counts(*args, order=order, chunk=997)
            assert np.array_equal(sliced[0], whole[0]) and sliced[4] == whole[4]
            assert abs(sliced[1] - whole[1]).max() < 1e-9
            assert np.allclose(sliced[2], whole[2]) and np.allclose(sliced[3], whole[3])
            assert sliced[1].sum() == position.size  # one transition into each touch
            assert sliced[2].sum() + sliced[3].sum() == journeys.n_journeys  # one exit per journey


def test_shapley_recovers_the_causal_truth_that_markov_misses(simulation):
    truth = simulation.truth.credit_share
    shapley = data_driven_shapley(simulation.journeys).shares()
    markov = markov_attribution(simulation.journeys, 1).shares()
    assert l1_distance(shapley, truth) <= 0.09
    assert shapley[ZERO_LIFT_CHANNEL] <= 0.02
    # The zero-lift retargeting channel sits mid-journey, so position-based models credit it.
    assert markov[ZERO_LIFT_CHANNEL] > 0.05
    assert l1_distance(markov, truth) > l1_distance(shapley, truth)
    assert sum(truth.values()) == pytest.approx(1.0)


def test_bad_inputs_name_the_problem():
    with pytest.raises(SimulationError, match="positive"):
        simulate_journeys({"a": 0.1, ZERO_LIFT_CHANNEL: 0.0}, 0)
    with pytest.raises(SimulationError, match="no enabled channels"):
        channel_lifts([])
    with pytest.raises(SimulationError, match="no journeys"):
        journeys_from_records([])
    with pytest.raises(AttributionError, match="order"):
        markov_removal_effects(
            ("a",), np.array([0]), np.array([0]), np.ones(1), np.zeros(1), np.array([0]), 0
        )
