"""Scale ladder, analytics: Markov attribution (order 1, solved exactly) from raw touch rows, at the
analytics benchmark's 1,000,000 simulated journeys and at 10,000,000 (issue 13's target).

The journeys are numpy arrays of encoded touches (`Journeys`: channel codes, positions, the journey
of each touch), never Python objects per journey; the transition counts are one bincount pass, so
time and memory grow with the touches.
"""

from __future__ import annotations

from benchmarks._ladder import Case
from benchmarks._ladder_site import release_freed_memory

PLATFORMS = ["x", "linkedin", "instagram", "tiktok", "youtube", "reddit", "pinterest", "organic_search"]
PRICES = (2499.0, 3899.0, 149.0, 89.0)


def _journeys(size: int):
    import marketing_engine.analytics.markov  # noqa: F401 - its imports (scipy.sparse) are no part of the run
    from marketing_engine.analytics.simulator import channel_lifts, simulate_journeys

    journeys = simulate_journeys(channel_lifts(PLATFORMS, seed=7), size, seed=1, prices=PRICES).journeys
    converted = journeys.converted.astype(float)
    release_freed_memory()
    return journeys, journeys.position(), converted, 1 - converted


def _markov(state) -> dict:
    from marketing_engine.analytics.markov import markov_removal_effects

    journeys, position, conversions, nulls = state
    result = markov_removal_effects(
        journeys.channels, journeys.channel, position, conversions, nulls, journeys.journey, 1
    )
    return {
        "touches": int(journeys.channel.size),
        "conversion_probability": round(result.conversion_probability, 5),
        "largest_share": round(max(result.shares.values()), 4),
    }


CASES = [Case("Markov attribution, order 1, raw rows", "journeys", 1_000_000, _journeys, _markov)]
