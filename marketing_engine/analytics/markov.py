"""Markov-chain attribution, solved exactly as an absorbing chain (no simulation).

States are the last `order` channels seen (padded with a start symbol), plus two absorbing
states, conversion and null. Transition counts come from one pass of numpy grouping over the
touches (raw journeys with 0/1 outcomes or aggregated paths with conversion and null counts are
the same thing: paths with weights). The conversion probability from the start state solves
(I − Q) x = r; a channel's removal effect re-solves it with every state containing the channel
turned into a dead end. Credit shares are removal effects normalised to sum to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix, identity
from scipy.sparse.linalg import spsolve

from marketing_engine.analytics.attribution import Attribution, AttributionError
from marketing_engine.analytics.simulator import Journeys


@dataclass(frozen=True)
class MarkovResult:
    """One chain's answer: the start state's conversion probability, each channel's removal effect
    and credit share, and how many states the chain of this order had."""

    order: int
    conversion_probability: float
    removal_effects: dict[str, float]
    shares: dict[str, float]
    n_states: int


def _state_codes(channel: np.ndarray, position: np.ndarray, order: int, pad: int) -> np.ndarray:
    """Encode the last `order` channels at each touch as one integer (base pad+1)."""
    base = pad + 1
    codes = np.zeros(channel.size, dtype=np.int64)
    for lag in range(order):
        lagged = np.full(channel.size, pad, dtype=np.int64)
        if lag:
            lagged[lag:] = channel[:-lag]
        else:
            lagged[:] = channel
        lagged[position < lag] = pad
        codes += lagged * base**lag
    return codes


CHUNK_TOUCHES = 1 << 18  # touches counted per pass: memory stays bounded however many journeys
DENSE_PAIRS = 1 << 22  # code pairs counted in a dense array (32 MB) up to this many, else sparse


def path_chunks(position: np.ndarray, size: int = CHUNK_TOUCHES) -> list[tuple[int, int]]:
    """(start, end) slices of about `size` touches that never split a path (each starts where a
    path does: position 0)."""
    bounds, n = [0], position.size
    while bounds[-1] < n:
        cut = bounds[-1] + max(1, size)
        while cut < n and position[cut] != 0:
            ahead = np.flatnonzero(position[cut : cut + 4096] == 0)
            cut = cut + int(ahead[0]) if ahead.size else cut + 4096
        bounds.append(min(cut, n))
    return list(pairwise(bounds))


def transition_counts(
    channel: np.ndarray,
    position: np.ndarray,
    path_conversions: np.ndarray,
    path_nulls: np.ndarray,
    path_of_touch: np.ndarray,
    n_channels: int,
    order: int = 1,
    chunk: int = CHUNK_TOUCHES,
) -> tuple[np.ndarray, csr_matrix, np.ndarray, np.ndarray, int]:
    """Weighted transition counts between states: (state codes, transient counts, to-conversion,
    to-null, index of the start state). Each path's weight is its conversions plus nulls. The
    touches are counted `chunk` at a time (whole paths), so the temporaries are bounded by the
    chunk, not by the number of journeys; counts are kept in the (small) code space and re-indexed
    densely at the end."""
    if order < 1:
        raise AttributionError(f"Markov order must be ≥ 1, got {order}")
    pad = n_channels
    size = (pad + 1) ** order
    start_code = sum(pad * (pad + 1) ** lag for lag in range(order))
    conversions = np.asarray(path_conversions, dtype=float)
    nulls = np.asarray(path_nulls, dtype=float)
    seen = np.zeros(size, dtype=bool)
    seen[start_code] = True
    dense = np.zeros(size * size) if size * size <= DENSE_PAIRS else None
    pairs = csr_matrix((size, size))
    to_conv, to_null = np.zeros(size), np.zeros(size)
    for lo, hi in path_chunks(position, chunk):
        pos, paths = position[lo:hi], path_of_touch[lo:hi]
        codes = _state_codes(channel[lo:hi].astype(np.int64), pos, order, pad)
        seen[codes] = True
        source = np.empty_like(codes)
        source[1:] = codes[:-1]
        source[pos == 0] = start_code
        weight = conversions[paths] + nulls[paths]
        if dense is not None:
            dense += np.bincount(source * size + codes, weights=weight, minlength=size * size)
        else:
            pairs = pairs + csr_matrix((weight, (source, codes)), shape=(size, size))
        is_last = np.append(paths[1:] != paths[:-1], True)
        last_code, last_path = codes[is_last], paths[is_last]
        to_conv += np.bincount(last_code, weights=conversions[last_path], minlength=size)
        to_null += np.bincount(last_code, weights=nulls[last_path], minlength=size)
    states = np.flatnonzero(seen)
    if dense is not None:
        block = dense.reshape(size, size)[np.ix_(states, states)]
        transient = csr_matrix(block)
    else:
        transient = pairs.tocsr()[states][:, states]
    start = int(np.searchsorted(states, start_code))
    return states, csr_matrix(transient), to_conv[states], to_null[states], start


def _conversion_probability(q: csr_matrix, r: np.ndarray, start: int, keep: np.ndarray) -> float:
    kept = np.flatnonzero(keep)
    sub = q[kept][:, kept]
    x = spsolve((identity(kept.size, format="csc") - sub).tocsc(), r[kept])
    return float(np.atleast_1d(x)[np.searchsorted(kept, start)])


def markov_removal_effects(
    channels: tuple[str, ...],
    channel: np.ndarray,
    position: np.ndarray,
    path_conversions: np.ndarray,
    path_nulls: np.ndarray,
    path_of_touch: np.ndarray,
    order: int = 1,
) -> MarkovResult:
    """Exact removal effects from touches of weighted paths (raw journeys or aggregated paths)."""
    if channel.size == 0:
        raise AttributionError("no touches: Markov attribution needs at least one path")
    n_channels = len(channels)
    states, counts, to_conv, to_null, start = transition_counts(
        channel, position, path_conversions, path_nulls, path_of_touch, n_channels, order
    )
    out = np.asarray(counts.sum(axis=1)).ravel() + to_conv + to_null
    out[out == 0] = 1.0
    q = csr_matrix(counts.multiply(1.0 / out[:, None]))
    r = to_conv / out
    every = np.ones(states.size, dtype=bool)
    total = _conversion_probability(q, r, start, every)
    digits = (states[:, None] // (n_channels + 1) ** np.arange(order)) % (n_channels + 1)
    effects = {}
    for code, name in enumerate(channels):
        contains = (digits == code).any(axis=1)
        if not contains.any():
            effects[name] = 0.0
            continue
        keep = ~contains
        keep[start] = True
        without = _conversion_probability(q, r, start, keep)
        effects[name] = 1.0 - without / total if total > 0 else 0.0
    effect_sum = sum(effects.values())
    shares = {c: (e / effect_sum if effect_sum else 0.0) for c, e in effects.items()}
    return MarkovResult(order, total, effects, shares, int(states.size))


def markov_attribution(journeys: Journeys, order: int = 1) -> Attribution:
    """Markov credit: total conversions and revenue split by removal-effect shares."""
    if journeys.journey.size == 0:
        raise AttributionError("no touches to attribute: the journeys are empty")
    converted = journeys.converted.astype(float)
    result = markov_removal_effects(
        journeys.channels,
        journeys.channel,
        journeys.position(),
        converted,
        1.0 - converted,
        journeys.journey,
        order,
    )
    total_conv = float(converted.sum())
    total_rev = float(journeys.revenue.sum())
    return Attribution(
        f"markov_{order}",
        {c: s * total_conv for c, s in result.shares.items()},
        {c: s * total_rev for c, s in result.shares.items()},
    )


def aggregate_paths(journeys: Journeys) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Collapse identical paths: (channel, position, conversions, nulls, path_of_touch) of the
    unique paths, the shape `channelattribution` takes (one row per distinct path)."""
    width = int(journeys.lengths.max())
    base = len(journeys.channels) + 1
    matrix = np.zeros((journeys.n_journeys, width), dtype=np.int64)
    matrix[journeys.journey, journeys.position()] = journeys.channel.astype(np.int64) + 1
    if width * np.log2(base) < 62:
        # One integer per path makes the grouping a 1-D unique (much faster than rows).
        keys = matrix @ (base ** np.arange(width, dtype=np.int64))
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        unique = matrix[first]
    else:
        unique, inverse = np.unique(matrix, axis=0, return_inverse=True)
    conversions = np.bincount(inverse, weights=journeys.converted.astype(float), minlength=len(unique))
    totals = np.bincount(inverse, minlength=len(unique)).astype(float)
    path_of_touch, position = np.nonzero(unique)
    channel = unique[path_of_touch, position] - 1
    return channel, position, conversions, totals - conversions, path_of_touch
