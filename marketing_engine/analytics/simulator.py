"""A simulator of customer journeys and post engagement whose causal truth is known.

Journeys: every visitor either arrives direct (no marketing touch) or meets 1–7 marketing touches.
Each channel has a true *lift*: the conversion probability it adds when it is anywhere in the
journey (`p = baseline + Σ lift over the channels touched`). One channel, `retargeting`, has zero
lift but is inserted mid-journey in most multi-touch journeys, the way retargeting ads follow
people who were already going to buy: a model that credits it is fooled by position, not cause.
The true credit share of a channel is its expected incremental conversions over all channels'.

Posts: engagement rate = platform base × hook effect (per platform) × hour-of-day curve × topic
effect × noise, so the learners downstream have real effects to find.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

DIRECT = "direct"
ZERO_LIFT_CHANNEL = "retargeting"
HOOKS = ("question", "statistic", "story", "bold_claim", "how_to")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Hook effects per platform: multipliers on the engagement rate (the truth the learners must find).
_HOOK_EFFECTS: dict[str, dict[str, float]] = {
    "linkedin": {"question": 1.18, "statistic": 1.0, "story": 1.10, "bold_claim": 0.85, "how_to": 1.05},
    "x": {"question": 1.05, "statistic": 1.15, "story": 0.95, "bold_claim": 1.20, "how_to": 0.9},
    "tiktok": {"question": 1.0, "statistic": 0.85, "story": 1.30, "bold_claim": 1.1, "how_to": 1.05},
}
_DEFAULT_HOOKS = {"question": 1.05, "statistic": 1.0, "story": 1.12, "bold_claim": 0.95, "how_to": 1.08}
# Hour of peak attention per platform (local time); engagement falls off as a Gaussian around it.
_PEAK_HOUR = {
    "linkedin": 8.5,
    "x": 12.0,
    "tiktok": 19.5,
    "instagram": 18.0,
    "youtube": 17.0,
    "reddit": 10.0,
    "pinterest": 20.0,
    "facebook": 13.0,
    "wordpress": 9.0,
}
_BASE_RATE = {
    "linkedin": 0.035,
    "x": 0.018,
    "tiktok": 0.06,
    "instagram": 0.045,
    "youtube": 0.05,
    "reddit": 0.03,
    "pinterest": 0.02,
    "facebook": 0.025,
    "wordpress": 0.015,
}


class SimulationError(ValueError):
    """A simulator input that cannot produce journeys (no channels, bad sizes)."""


@dataclass(frozen=True)
class Journeys:
    """Touches sorted by journey then position (a CSR layout), plus per-journey outcomes."""

    channels: tuple[str, ...]
    journey: np.ndarray  # int64 per touch: journey index
    channel: np.ndarray  # int16 per touch: index into `channels`
    days_before: np.ndarray  # float per touch: days between the touch and the journey's end
    converted: np.ndarray  # bool per journey
    revenue: np.ndarray  # float per journey (0 when not converted)
    product: np.ndarray  # int per journey: index of the product bought (or considered)

    @property
    def n_journeys(self) -> int:
        return int(self.converted.shape[0])

    @property
    def lengths(self) -> np.ndarray:
        return np.bincount(self.journey, minlength=self.n_journeys)

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.lengths)[:-1]))

    def position(self) -> np.ndarray:
        """Each touch's position inside its journey (0 = first)."""
        return np.arange(self.journey.shape[0]) - self.starts[self.journey]

    def path_strings(self, sep: str = " > ") -> list[str]:
        names = np.array(self.channels, dtype=object)[self.channel]
        bounds = np.cumsum(self.lengths)[:-1]
        return [sep.join(part) for part in np.split(names, bounds)]


@dataclass(frozen=True)
class JourneyTruth:
    baseline: float
    lifts: dict[str, float]
    credit_share: dict[str, float]  # expected incremental conversions per channel, shares summing to 1


@dataclass(frozen=True)
class JourneySimulation:
    journeys: Journeys
    truth: JourneyTruth
    prices: tuple[float, ...] = field(default=())


def channel_lifts(platforms: list[str], seed: int = 7) -> dict[str, float]:
    """True lifts for the brand's channels, plus email and the zero-lift retargeting channel."""
    if not platforms:
        raise SimulationError("the brand has no enabled channels to simulate journeys over")
    rng = np.random.default_rng(seed)
    names = [p for p in platforms if p not in (DIRECT, ZERO_LIFT_CHANNEL)] + ["email"]
    raw = rng.gamma(2.0, 1.0, size=len(names))
    lifts = {name: round(float(0.004 + 0.03 * value / raw.max()), 5) for name, value in zip(names, raw)}
    lifts[ZERO_LIFT_CHANNEL] = 0.0
    return lifts


def simulate_journeys(
    lifts: dict[str, float],
    n: int,
    seed: int = 0,
    baseline: float = 0.01,
    direct_share: float = 0.15,
    retargeting_rate: float = 0.7,
    prices: tuple[float, ...] = (100.0,),
) -> JourneySimulation:
    """Simulate `n` journeys over channels with the given true lifts (vectorized; 1M in ~1 s)."""
    if n <= 0:
        raise SimulationError(f"number of journeys must be positive, got {n}")
    if ZERO_LIFT_CHANNEL not in lifts or len(lifts) < 2:
        raise SimulationError(f"lifts need {ZERO_LIFT_CHANNEL!r} and at least one other channel: {lifts}")
    rng = np.random.default_rng(seed)
    channels = (*lifts, DIRECT)
    direct_code = len(channels) - 1
    retarget_code = channels.index(ZERO_LIFT_CHANNEL)
    organic = np.array([i for i, c in enumerate(lifts) if c != ZERO_LIFT_CHANNEL])
    popularity = rng.dirichlet(np.full(organic.size, 4.0))

    direct = rng.random(n) < direct_share
    marketing = np.minimum(1 + rng.poisson(1.6, n), 7)
    insert = (~direct) & (marketing >= 2) & (rng.random(n) < retargeting_rate)
    lengths = np.where(direct, 1, marketing + insert)
    journey = np.repeat(np.arange(n), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    channel = organic[rng.choice(organic.size, size=journey.size, p=popularity)].astype(np.int16)
    channel[direct[journey]] = direct_code
    # Retargeting sits strictly inside the journey: after the first touch, before the last.
    slot = 1 + (rng.random(n) * (lengths - 2).clip(min=1)).astype(np.int64)
    channel[(starts + slot)[insert]] = retarget_code

    presence = np.zeros((n, len(channels)), dtype=bool)
    presence[journey, channel] = True
    lift_vector = np.array([*lifts.values(), 0.0])
    incremental = presence * lift_vector
    probability = np.minimum(baseline + incremental.sum(axis=1), 0.95)
    converted = rng.random(n) < probability
    product = rng.integers(0, len(prices), n)
    basket = np.asarray(prices, dtype=float)[product] * rng.lognormal(0.0, 0.15, n)
    revenue = np.where(converted, np.round(basket, 2), 0.0)
    gaps = rng.exponential(2.0, journey.size)
    # Days before the journey's end: the sum of the gaps after each touch, per journey.
    reverse_cum = np.cumsum(gaps[::-1])[::-1]
    ends = starts + lengths - 1
    days_before = reverse_cum - reverse_cum[ends[journey]]

    expected = incremental[:, : len(lifts)].sum(axis=0)
    share = expected / expected.sum()
    truth = JourneyTruth(baseline, dict(lifts), {c: float(s) for c, s in zip(lifts, share)})
    journeys = Journeys(channels, journey, channel, days_before, converted, revenue, product)
    return JourneySimulation(journeys, truth, tuple(prices))


@dataclass(frozen=True)
class PostTruth:
    hook_effects: dict[str, dict[str, float]]
    peak_hour: dict[str, float]
    topic_effects: dict[str, float]


def post_truth(platforms: list[str], topics: list[str], seed: int = 11) -> PostTruth:
    rng = np.random.default_rng(seed)
    hooks = {p: dict(_HOOK_EFFECTS.get(p, _DEFAULT_HOOKS)) for p in platforms}
    peaks = {p: _PEAK_HOUR.get(p, 12.0) for p in platforms}
    topic_effects = {t: round(float(np.exp(rng.normal(0, 0.15))), 3) for t in topics}
    return PostTruth(hooks, peaks, topic_effects)


def engagement_rate(truth: PostTruth, platform: str, hook: str, hour: float, topic: str) -> float:
    """The true expected engagement rate of a post (before noise)."""
    base = _BASE_RATE.get(platform, 0.03)
    hook_effect = truth.hook_effects.get(platform, _DEFAULT_HOOKS).get(hook, 1.0)
    distance = min(
        abs(hour - truth.peak_hour.get(platform, 12.0)), 24 - abs(hour - truth.peak_hour.get(platform, 12.0))
    )
    time_effect = 0.6 + 0.6 * np.exp(-0.5 * (distance / 2.5) ** 2)
    return float(base * hook_effect * time_effect * truth.topic_effects.get(topic, 1.0))


def simulate_post_metrics(posts: list[dict], truth: PostTruth, seed: int = 0) -> list[dict]:
    """Impressions, engagements, clicks for posts given platform, hook, hour and topic."""
    rng = np.random.default_rng(seed)
    results = []
    for post in posts:
        rate = engagement_rate(truth, post["platform"], post["hook"], post["hour"], post["topic"])
        impressions = int(rng.lognormal(np.log(1500), 0.5))
        realised = min(rate * rng.lognormal(0.0, 0.25), 0.9)
        engagements = int(rng.binomial(impressions, realised))
        clicks = int(rng.binomial(engagements, 0.3))
        results.append(
            {
                **post,
                "impressions": impressions,
                "engagements": engagements,
                "clicks": clicks,
                "engagement_rate": engagements / max(impressions, 1),
            }
        )
    return results


def random_posts(platforms: list[str], topics: list[str], n: int, seed: int = 0) -> list[dict]:
    """A history of posts with uniformly randomised hooks, hours and topics (an explore phase)."""
    if not platforms or not topics:
        raise SimulationError("simulating posts needs at least one platform and one topic")
    rng = np.random.default_rng(seed)
    posts = []
    for i in range(n):
        platform = platforms[int(rng.integers(len(platforms)))]
        posts.append(
            {
                "content_ref": f"sim:post:{i:05d}",
                "platform": platform,
                "hook": HOOKS[int(rng.integers(len(HOOKS)))],
                "hour": int(rng.integers(6, 23)),
                "weekday": WEEKDAYS[int(rng.integers(7))],
                "topic": topics[int(rng.integers(len(topics)))],
                "length": int(rng.integers(60, 280)),
            }
        )
    return posts


def journeys_from_records(records: list[dict], products: list[str] | None = None) -> Journeys:
    """Build `Journeys` from warehouse rows (`channels`, `days_before`, `converted`, `revenue`)."""
    if not records:
        raise SimulationError("no journeys recorded yet: run touchpoints for at least one day")
    names = sorted({c for r in records for c in r["channels"]} - {DIRECT})
    channels = (*names, DIRECT)
    code = {c: i for i, c in enumerate(channels)}
    lengths = np.array([len(r["channels"]) for r in records])
    if (lengths == 0).any():
        raise SimulationError("a recorded journey has no touches")
    product_names = products or sorted({r.get("product", "") for r in records})
    product_code = {p: i for i, p in enumerate(product_names)}
    return Journeys(
        channels,
        np.repeat(np.arange(len(records)), lengths),
        np.array([code[c] for r in records for c in r["channels"]], dtype=np.int16),
        np.array([d for r in records for d in r["days_before"]], dtype=float),
        np.array([bool(r["converted"]) for r in records]),
        np.array([float(r["revenue"]) for r in records]),
        # -1: a product the brand does not sell (an imported journey's item): no product campaign
        np.array([product_code.get(r.get("product", ""), -1) for r in records]),
    )


def select_journeys(journeys: Journeys, keep: np.ndarray) -> Journeys:
    """The journeys where `keep` (one bool per journey) is true, renumbered from 0."""
    new_index = np.cumsum(keep) - 1
    touch_keep = keep[journeys.journey]
    return Journeys(
        journeys.channels,
        new_index[journeys.journey[touch_keep]],
        journeys.channel[touch_keep],
        journeys.days_before[touch_keep],
        journeys.converted[keep],
        journeys.revenue[keep],
        journeys.product[keep],
    )


# Search: the causal truth of the page-title split test (seo.split_test). A page's impressions and
# position are its own (stable per URL); its CTR falls with position, and serving the variant title
# multiplies it by this effect.
TITLE_VARIANT_EFFECT = 1.10


def simulate_search_rows(pages: list[dict], day_seed: int) -> list[dict]:
    """Search Console page rows (page, clicks, impressions, ctr, position) for the served pages
    (`{"url", "variant"}`: whether the page carries the variant title that day)."""
    rng = np.random.default_rng(day_seed)
    rows = []
    for page in pages:
        own = np.random.default_rng(zlib.crc32(page["url"].encode()))
        level, position = own.lognormal(np.log(250), 0.8), own.uniform(2.0, 20.0)
        ctr = 0.3 / position**0.9 * (TITLE_VARIANT_EFFECT if page.get("variant") else 1.0)
        impressions = int(rng.poisson(level))
        clicks = int(rng.binomial(impressions, min(ctr * rng.lognormal(0.0, 0.1), 0.9)))
        rows.append(
            {
                "page": page["url"],
                "clicks": float(clicks),
                "impressions": float(impressions),
                "ctr": clicks / impressions if impressions else 0.0,
                "position": round(float(position + rng.normal(0, 0.3)), 2),
            }
        )
    return rows
