"""Analytics benchmarks, each figure beside its reference measured in the same run.

1. Markov removal effects on 1,000,000 simulated journeys: ours (exact absorbing-chain solve) from
   raw touch rows and from aggregated paths, against `channelattribution`'s `markov_model` (GPL, so
   only a benchmark peer: `pip install channelattribution matplotlib` into the venv by hand; it is
   not a dependency) and against an independent per-row pure-Python exact solution.
2. Every attribution model's L1 distance to the simulator's causal truth, and the zero-lift
   channel's share.
3. Thompson sampling vs UCB1: cumulative regret at T = 100,000 on the 10-arm Bernoulli benchmark.
4. Sequential A/B: A/A false-positive rate with 14 daily looks vs naive peeking; power at +10%.
5. Bayesian A/B evaluation time.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from marketing_engine.analytics.attribution import (
    data_driven_shapley,
    first_touch,
    l1_distance,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from marketing_engine.analytics.bandits import decision_microseconds, regret_over_seeds
from marketing_engine.analytics.experiments import bayesian_ab, proportion_sequential
from marketing_engine.analytics.markov import aggregate_paths, markov_attribution, markov_removal_effects
from marketing_engine.analytics.simulator import ZERO_LIFT_CHANNEL, channel_lifts, simulate_journeys

PLATFORMS = ["x", "linkedin", "instagram", "tiktok", "youtube", "reddit", "pinterest", "organic_search"]


def _timed(function, *args, repeat: int = 1, **kwargs):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return result, best


def _per_row_reference(paths: list[list[str]], converted: np.ndarray) -> dict[str, float]:
    """First-order removal effects, counted path by path in plain Python, solved densely."""
    counts: dict[tuple[str, str], float] = defaultdict(float)
    for path, conv in zip(paths, converted):
        previous = "(start)"
        for channel in path:
            counts[(previous, channel)] += 1
            previous = channel
        counts[(previous, "(conversion)" if conv else "(null)")] += 1
    states = sorted({a for a, _ in counts} | {b for _, b in counts} - {"(conversion)", "(null)"})
    index = {s: i for i, s in enumerate(states)}
    q, r, out = np.zeros((len(states),) * 2), np.zeros(len(states)), np.zeros(len(states))
    for (a, b), n in counts.items():
        out[index[a]] += n
        if b == "(conversion)":
            r[index[a]] += n
        elif b != "(null)":
            q[index[a], index[b]] += n
    q, r = q / out[:, None], r / out

    def probability(removed: str | None) -> float:
        keep = [i for i, s in enumerate(states) if s != removed]
        x = np.linalg.solve(np.eye(len(keep)) - q[np.ix_(keep, keep)], r[keep])
        return float(x[keep.index(index["(start)"])])

    total = probability(None)
    return {s: 1 - probability(s) / total for s in states if s != "(start)"}


def _touches_from_path_strings(strings: list[str], converted: np.ndarray):
    """Parse "a > b > c" rows (one per journey) into touch arrays and solve: the like-for-like input."""
    import pandas as pd

    # One join and one split over all rows, then hashing the tokens to codes.
    lengths = np.fromiter((row.count(" > ") + 1 for row in strings), dtype=np.int64, count=len(strings))
    codes, names = pd.factorize(np.array(" > ".join(strings).split(" > "), dtype=object))
    path_of_touch = np.repeat(np.arange(len(strings)), lengths)
    position = np.arange(codes.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    conv = converted.astype(float)
    return markov_removal_effects(tuple(names), codes, position, conv, 1 - conv, path_of_touch, 1)


def _shares(effects: dict[str, float]) -> dict[str, float]:
    total = sum(effects.values())
    return {c: e / total for c, e in effects.items()}


def markov_benchmark(sim) -> None:
    journeys = sim.journeys
    converted = journeys.converted.astype(float)
    position = journeys.position()
    print(
        f"\n-- Markov removal effects, {journeys.n_journeys:,} journeys, {journeys.journey.size:,} touches --"
    )
    raw, raw_s = _timed(
        markov_removal_effects,
        journeys.channels,
        journeys.channel,
        position,
        converted,
        1 - converted,
        journeys.journey,
        1,
        repeat=3,
    )
    aggregated, aggregate_s = _timed(aggregate_paths, journeys)
    from_paths, solve_s = _timed(markov_removal_effects, journeys.channels, *aggregated, order=1, repeat=3)
    print(f"ours, order 1, raw rows:           {raw_s:.3f} s")
    print(
        f"ours, order 1, aggregated paths:   {solve_s:.3f} s  ({len(aggregated[2]):,} distinct paths; "
        f"grouping the raw rows into them took {aggregate_s:.3f} s)"
    )
    for order in (2, 3):
        result, seconds = _timed(
            markov_removal_effects,
            journeys.channels,
            journeys.channel,
            position,
            converted,
            1 - converted,
            journeys.journey,
            order,
        )
        print(f"ours, order {order}, raw rows:           {seconds:.3f} s  ({result.n_states} states)")

    strings = journeys.path_strings()
    parsed, parse_s = _timed(_touches_from_path_strings, strings, journeys.converted)
    parsed_gap = max(abs(parsed.shares[c] - raw.shares[c]) for c in raw.shares)
    print(
        f"ours, order 1, from the same 1M path strings as channelattribution's raw rows (parsing included): "
        f"{parse_s:.3f} s (max share difference vs touch rows {parsed_gap * 100:.1e} pp)"
    )
    paths = [p.split(" > ") for p in strings]
    reference, reference_s = _timed(_per_row_reference, paths, journeys.converted)
    gap = max(abs(_shares(reference)[c] - raw.shares[c]) for c in raw.shares)
    print(
        f"reference: per-row pure Python exact solve: {reference_s:.2f} s; "
        f"max share difference vs ours {gap * 100:.2e} percentage points"
    )
    gap_paths = max(abs(from_paths.shares[c] - raw.shares[c]) for c in raw.shares)
    print(f"raw rows vs aggregated paths: max share difference {gap_paths * 100:.2e} percentage points")
    _channelattribution(journeys, raw, aggregated)


def _channelattribution(journeys, exact, aggregated) -> None:
    try:
        import ChannelAttribution as ca
        import pandas as pd
    except ImportError:
        print(
            "channelattribution: not installed (pip install channelattribution matplotlib into .venv; "
            "GPL, never a dependency) — compared against the per-row Python reference only"
        )
        return
    names = np.array(journeys.channels, dtype=object)
    channel, _, conversions, nulls, path_of_touch = aggregated
    bounds = np.flatnonzero(np.diff(path_of_touch)) + 1
    agg_paths = [" > ".join(p) for p in np.split(names[channel], bounds)]
    agg_frame = pd.DataFrame({"path": agg_paths, "conv": conversions, "null": nulls})
    raw_frame = pd.DataFrame({"path": journeys.path_strings(), "conv": journeys.converted.astype(int)})
    raw_frame["null"] = 1 - raw_frame["conv"]
    for label, frame in (("aggregated paths", agg_frame), ("raw rows", raw_frame)):
        result, seconds = _timed(
            ca.markov_model,
            frame,
            "path",
            "conv",
            var_null="null",
            order=1,
            out_more=True,
            verbose=0,
            flg_pro=False,
        )
        effects = dict(
            zip(result["removal_effects"]["channel_name"], result["removal_effects"]["removal_effect"])
        )
        shares = _shares(effects)
        share_gap = max(abs(shares[c] - exact.shares[c]) for c in exact.shares)
        relative = max(
            abs(effects[c] - exact.removal_effects[c]) / exact.removal_effects[c]
            for c in exact.removal_effects
            if exact.removal_effects[c] > 0
        )
        print(
            f"channelattribution markov_model, order 1, {label}: {seconds:.3f} s; vs exact: max share "
            f"difference {share_gap * 100:.3f} pp, max removal-effect error {relative:.1%}"
        )


def truth_benchmark(sim) -> None:
    truth = sim.truth.credit_share
    print(
        f"\n-- Attribution vs causal truth, {sim.journeys.n_journeys:,} journeys "
        f"(truth share of {ZERO_LIFT_CHANNEL}: {truth[ZERO_LIFT_CHANNEL]:.0%}) --"
    )
    models = [first_touch, last_touch, linear, time_decay, position_based]
    results = [model(sim.journeys) for model in models]
    results += [markov_attribution(sim.journeys, order) for order in (1, 2, 3)]
    shapley, seconds = _timed(data_driven_shapley, sim.journeys)
    results.append(shapley)
    for result in results:
        shares = result.shares()
        print(
            f"{result.model:>15}: L1 {l1_distance(shares, truth):.3f}   {ZERO_LIFT_CHANNEL} share "
            f"{shares[ZERO_LIFT_CHANNEL]:.1%}"
        )
    print(f"(targets: Shapley L1 ≤ 0.09 and {ZERO_LIFT_CHANNEL} ≤ 2%; Shapley took {seconds:.2f} s)")


def bandit_benchmark(horizon: int = 100_000, runs: int = 50) -> None:
    probabilities = np.array([0.10] + [0.08] * 9)
    print(
        f"\n-- Bandits: 10-arm Bernoulli (best 0.10, others 0.08), T = {horizon:,}, {runs} independent runs --"
    )
    for name, policy in (("Thompson sampling", "thompson"), ("UCB1 (reference)", "ucb1")):
        regret = regret_over_seeds(policy, probabilities, horizon, runs)
        print(
            f"{name:>18}: cumulative regret mean {regret.mean():.0f}, median {np.median(regret):.0f} "
            f"(10th–90th percentile {np.percentile(regret, 10):.0f}–{np.percentile(regret, 90):.0f})"
        )
    print(
        f"Thompson sampling decision (choose + update of the engine's class): {decision_microseconds():.1f} µs"
    )
    print("(targets: Thompson ≤ 320, ≤ 50 µs per decision; UCB1 ≈ 1,550)")


def sequential_benchmark(reps: int = 2000, days: int = 14, daily: int = 2000, base: float = 0.05) -> None:
    print(
        f"\n-- Sequential A/B: {days} daily looks, {daily:,} visitors per arm per day, base rate {base:.0%}, "
        f"{reps:,} simulated tests --"
    )
    rng = np.random.default_rng(0)
    for lift in (0.0, 0.10):
        sequential = naive = 0
        for _ in range(reps):
            conv_a = np.cumsum(rng.binomial(daily, base, days))
            conv_b = np.cumsum(rng.binomial(daily, base * (1 + lift), days))
            n = daily * np.arange(1, days + 1)
            pooled = (conv_a + conv_b) / (2 * n)
            z = (conv_b - conv_a) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
            naive += bool((np.abs(z) > 1.96).any())
            sequential += any(
                proportion_sequential(int(a), int(k), int(b), int(k), 0.05, 2 * daily * days).significant
                for a, b, k in zip(conv_a, conv_b, n)
            )
        label = "A/A false-positive rate" if lift == 0 else f"power at +{lift:.0%} lift"
        print(f"{label}: sequential {sequential / reps:.1%}   naive peeking at a z-test {naive / reps:.1%}")
    print("(targets: A/A ≤ 5% (naive ≈ 21%); power at +10% above 0.33, GrowthBook's sequential test)")


def bayes_benchmark(calls: int = 100_000) -> None:
    started = time.perf_counter()
    for i in range(calls):
        bayesian_ab(500 + i % 7, 10_000, 560, 10_000)
    per_call = (time.perf_counter() - started) / calls * 1e6
    print(f"\n-- Bayesian A/B: {per_call:.1f} µs per evaluation (target ≤ 100 µs) --")


def main() -> None:
    lifts = channel_lifts(PLATFORMS, seed=7)
    sim, seconds = _timed(simulate_journeys, lifts, 1_000_000, seed=1, prices=(2499.0, 3899.0, 149.0, 89.0))
    print(f"simulated 1,000,000 journeys in {seconds:.2f} s")
    markov_benchmark(sim)
    truth_benchmark(sim)
    bandit_benchmark()
    sequential_benchmark()
    bayes_benchmark()


if __name__ == "__main__":
    main()
