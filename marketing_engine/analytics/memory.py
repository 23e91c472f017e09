"""Campaign memory: what the engine has learned, as sentences a person (and a prompt) can read.

Each finding carries its effect, a 95% interval and the number of posts or journeys behind it,
e.g. "on linkedin, question hooks beat statistic hooks by 18% ± 6% over 40 posts".
Effects of hooks and hours are ratios of mean engagement rates, with the interval from the delta
method on the log ratio (a bootstrap gives the same to within a point here, at 1000× the cost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Finding:
    platform: str
    dimension: str
    finding_key: str
    finding: str
    effect: float | None
    effect_low: float | None
    effect_high: float | None
    evidence_count: int

    def row(self, brand: str) -> dict:
        # Plain floats: PostgreSQL's driver does not know numpy scalars.
        plain = {k: float(v) if isinstance(v, np.floating) else v for k, v in self.__dict__.items()}
        return {"brand": brand, **plain, "evidence_count": int(self.evidence_count)}


def _ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Relative difference mean(a)/mean(b) − 1 and its 95% half-width (delta method)."""
    ma, mb = a.mean(), b.mean()
    se = math.sqrt(a.var(ddof=1) / (a.size * ma**2) + b.var(ddof=1) / (b.size * mb**2))
    ratio = ma / mb
    return ratio - 1.0, ratio * 1.96 * se


def hook_findings(posts: pd.DataFrame, min_posts: int = 8) -> list[Finding]:
    """Per platform: the best hook against the runner-up and against the weakest."""
    findings = []
    for platform, group in posts.groupby("platform"):
        by_hook = {
            h: g["engagement_rate"].to_numpy(float) for h, g in group.groupby("hook") if len(g) >= min_posts
        }
        if len(by_hook) < 2:
            continue
        ranked = sorted(by_hook, key=lambda h: by_hook[h].mean(), reverse=True)
        for other in dict.fromkeys([ranked[1], ranked[-1]]):
            best = ranked[0]
            effect, half = _ratio(by_hook[best], by_hook[other])
            count = by_hook[best].size + by_hook[other].size
            text = (
                f"on {platform}, {best.replace('_', ' ')} hooks beat {other.replace('_', ' ')} hooks by "
                f"{effect:.0%} ± {half:.0%} over {count} posts"
            )
            findings.append(
                Finding(
                    platform, "hook", f"{best}>{other}", text, effect, effect - half, effect + half, count
                )
            )
    return findings


def posting_time_findings(posts: pd.DataFrame, min_posts: int = 8) -> list[Finding]:
    """Per platform: the best 3-hour window against the rest of the day."""
    findings = []
    for platform, group in posts.groupby("platform"):
        window = (group["hour"] // 3) * 3
        means = group.groupby(window)["engagement_rate"].agg(["mean", "size"])
        means = means[means["size"] >= min_posts]
        if len(means) < 2:
            continue
        start = int(means["mean"].idxmax())
        inside = group.loc[window == start, "engagement_rate"].to_numpy(float)
        outside = group.loc[window != start, "engagement_rate"].to_numpy(float)
        effect, half = _ratio(inside, outside)
        text = (
            f"on {platform}, posts at {start:02d}:00–{start + 3:02d}:00 get {effect:.0%} ± {half:.0%} more "
            f"engagement than other hours, over {len(group)} posts"
        )
        findings.append(
            Finding(
                platform,
                "posting_time",
                "best_window",
                text,
                effect,
                effect - half,
                effect + half,
                len(group),
            )
        )
    return findings


def attribution_findings(shares: dict[str, dict[str, float]], journeys: int) -> list[Finding]:
    """What data-driven attribution says that last touch and first-order Markov get wrong."""
    shapley = shares.get("shapley", {})
    findings = []
    if shapley:
        top = max(shapley, key=shapley.get)
        findings.append(
            Finding(
                "all",
                "attribution",
                "top_channel",
                f"{top} earns the largest share of incremental revenue: {shapley[top]:.0%} under "
                f"data-driven attribution, over {journeys} journeys",
                shapley[top],
                None,
                None,
                journeys,
            )
        )
    for model, label in (("last_touch", "last-touch"), ("markov_1", "first-order Markov")):
        other = shares.get(model, {})
        for channel, share in shapley.items():
            gap = other.get(channel, 0.0) - share
            if abs(gap) < 0.03:
                continue
            verdict = "over-credits" if gap > 0 else "under-credits"
            findings.append(
                Finding(
                    channel,
                    "attribution",
                    f"{model}_gap:{channel}",
                    f"{label} {verdict} {channel}: {other.get(channel, 0.0):.0%} of credit against "
                    f"{share:.0%} data-driven, over {journeys} journeys",
                    gap,
                    None,
                    None,
                    journeys,
                )
            )
    return findings


def allocation_findings(allocations: list[dict]) -> list[Finding]:
    """The arm a bandit now favours, per platform and dimension."""
    best: dict[tuple[str, str], dict] = {}
    for row in allocations:
        key = (row["platform"], row["dimension"])
        if key not in best or row["share"] > best[key]["share"]:
            best[key] = row
    return [
        Finding(
            platform,
            f"{dimension}_allocation",
            "favourite",
            f"on {platform}, the {dimension.replace('_', ' ')} bandit now sends {row['share']:.0%} of posts "
            f"to {row['arm']} (after {int(row['successes'] + row['failures'])} posts on that arm)",
            row["share"],
            None,
            None,
            int(row["successes"] + row["failures"]),
        )
        for (platform, dimension), row in sorted(best.items())
    ]
