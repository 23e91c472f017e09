"""The offline metrics backend: journeys and post engagement from the simulator, whose causal
truth is known (see `marketing_engine.analytics.simulator`). Deterministic per brand, day and seed."""

from __future__ import annotations

import zlib

import numpy as np

from marketing_engine.analytics.simulator import (
    channel_lifts,
    post_truth,
    random_posts,
    simulate_journeys,
    simulate_post_metrics,
    simulate_search_rows,
)
from marketing_engine.provenance import SIMULATOR
from marketing_engine.resources.metrics.base import MetricsRequest


def _day_seed(seed: int, request: MetricsRequest, what: str) -> int:
    return zlib.crc32(f"{seed}:{request.brand}:{request.day.isoformat()}:{what}".encode())


class SimulatorBackend:
    def __init__(self, seed: int = 0, journeys_per_day: int = 20_000, posts_per_day: int = 120):
        self.seed = seed
        self.journeys_per_day = journeys_per_day
        self.posts_per_day = posts_per_day

    def journeys(self, request: MetricsRequest) -> list[dict]:
        lifts = channel_lifts(request.channels, seed=zlib.crc32(request.brand.encode()) + self.seed)
        prices = tuple(price for _, price in request.products) or (100.0,)
        sim = simulate_journeys(
            lifts, self.journeys_per_day, seed=_day_seed(self.seed, request, "journeys"), prices=prices
        )
        j = sim.journeys
        names = np.array(j.channels, dtype=object)[j.channel]
        bounds = np.cumsum(j.lengths)[:-1]
        products = [name for name, _ in request.products] or ["default"]
        rows = []
        for i, (touches, days) in enumerate(zip(np.split(names, bounds), np.split(j.days_before, bounds))):
            rows.append(
                {
                    "journey_key": f"sim-{request.day:%Y%m%d}-{i:06d}",
                    "channels": touches.tolist(),
                    "days_before": np.round(days, 2).tolist(),
                    "converted": bool(j.converted[i]),
                    "revenue": float(j.revenue[i]),
                    "product": products[int(j.product[i])],
                    "source": SIMULATOR,
                }
            )
        return rows

    def post_metrics(self, request: MetricsRequest, posts: list[dict]) -> list[dict]:
        """Metrics for the given (published) posts plus a day's worth of simulated exploration posts."""
        topics = request.topics or ["general"]
        truth = post_truth(request.channels, topics, seed=zlib.crc32(request.brand.encode()))
        explore = random_posts(
            request.channels, topics, self.posts_per_day, seed=_day_seed(self.seed, request, "posts")
        )
        for post in explore:
            post["content_ref"] = f"sim:{request.day:%Y%m%d}:{post['content_ref'].rsplit(':', 1)[-1]}"
        measured = simulate_post_metrics(
            [*posts, *explore], truth, seed=_day_seed(self.seed, request, "engagement")
        )
        return [{**row, "source": SIMULATOR} for row in measured]

    def page_metrics(self, day, pages: list[dict] | None = None) -> list[dict]:
        """Search Console rows for the site's served pages (`seo.split_test.served_pages`: URL and
        whether it carries the variant title), the title test's causal truth applied."""
        seed = zlib.crc32(f"{self.seed}:{day.isoformat()}:search".encode())
        return [{**row, "source": SIMULATOR} for row in simulate_search_rows(list(pages or []), seed)]
