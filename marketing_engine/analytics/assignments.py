"""Experiments on what the engine controls, read only from measured rows.

A post's hook is an arm of the experiment `hook:<platform>`: when the calendar writes the post, the
bandit's current allocation (Thompson sampling's probability that each arm is best) picks one of the
hook variants the pitch has, the post is published with that text and the choice is stored in
`experiment_assignments`. Once `content_metrics` has measured the post, its engagement rate comes back
through the same row (joined on platform and content ref): the bandit learns from those posts only,
and the sequential test reads the leader against the runner-up from the same units.

An experiment with assignments but no measured unit yet is reported as waiting ("no data"), never
given a result. Stop rules (docs/experiments.md): the always-valid sequential test excluding zero,
or `MAX_DAYS` since the first assignment, or `MAX_UNITS` measured units, whichever comes first.
A decided test's winner takes every post of its platform (share 1) and is remembered as a finding.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketing_engine.analytics.bandits import ThompsonSampling
from marketing_engine.analytics.experiments import read_daily
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import ContentPerformance, SocialPost
from marketing_engine.warehouse.models.experiments import ExperimentAssignment

HOOK = "hook"
TITLE = "title"  # a video post's title: as written, or the pitch's question (YouTube)
TITLED = ("youtube",)  # the platforms whose posts get a title arm
POST_TESTS = (HOOK, TITLE)
MAX_DAYS = 28  # a test stops after four weeks of measured units, decided or not
MAX_UNITS = 400  # ... or once this many units are measured
MIN_UNITS = 10  # per arm before a test may be called "no difference"
LOSS_THRESHOLD = 0.002  # expected relative loss below which shipping either arm costs nothing
FINAL = ("ship B", "keep A", "stopped: no difference, keep A")


def hook_experiment(platform: str) -> str:
    return f"{HOOK}:{platform}"


def title_experiment(platform: str) -> str:
    return f"{TITLE}:{platform}"


def post_unit(platform: str, content_ref: str, variant: str | None) -> str:
    """A post's unit name: its natural key (platform, content ref, variant)."""
    return f"{platform}|{content_ref}|{variant or 'main'}"


def measured_ref(content_ref: str, variant: str | None) -> str:
    """The content ref a post's metrics are stored under (`touchpoints.post_features`)."""
    return content_ref + (f"#{variant}" if variant not in (None, "main") else "")


def choose_arm(shares: Mapping[str, float], available: Sequence[str], key: str) -> str:
    """One unit's arm: drawn with probability proportional to the bandit's share among the arms this
    unit can take (uniform before anything is learned), by a hash of `key`: the same shares give the
    same arm on every re-run, new shares may move a post not yet published. An arm without a share
    (never played) weighs as much as under a uniform split."""
    if not available:
        raise ValueError(f"unit {key!r} has no arm to choose from")
    prior = 1.0 / len(available)  # an arm the bandit has no share for yet (never played) gets explored
    weights = np.array([max(float(shares.get(arm, prior)), 0.0) for arm in available])
    if weights.sum() <= 0:
        weights = np.ones(len(available))
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    cumulative = np.cumsum(weights / weights.sum())
    return available[min(int(np.searchsorted(cumulative, draw, side="right")), len(available) - 1)]


# -- storage ---------------------------------------------------------------------------------------
_FROZEN = ("publishing", "published", "failed", "rejected", "cancelled")


def record_post_arms(session: Session, brand: str, drafts: Iterable[Any], now: datetime | None = None) -> int:
    """Store the arm of every draft that carries one (`Draft.arms`: experiment → arm). A post already
    out (publishing, published, failed …) keeps the arm it went out with; an unchanged arm keeps
    its first `assigned_at`. Returns the number of rows written."""
    now = now or datetime.now(UTC)
    frozen = set(
        session.execute(
            select(SocialPost.platform, SocialPost.content_ref, SocialPost.variant).where(
                SocialPost.brand == brand, SocialPost.state.in_(_FROZEN)
            )
        ).tuples()
    )
    existing = {
        (row.experiment, row.unit): row
        for row in session.scalars(select(ExperimentAssignment).where(ExperimentAssignment.brand == brand))
    }
    rows = []
    for draft in drafts:
        if (draft.platform, draft.content_ref, draft.variant) in frozen:
            continue
        unit = post_unit(draft.platform, draft.content_ref, draft.variant)
        for experiment, arm in (getattr(draft, "arms", None) or {}).items():
            old = existing.get((experiment, unit))
            rows.append(
                {
                    "brand": brand,
                    "experiment": experiment,
                    "unit": unit,
                    "platform": draft.platform,
                    "content_ref": measured_ref(draft.content_ref, draft.variant),
                    "arm": arm,
                    "assigned_at": old.assigned_at if old is not None and old.arm == arm else now,
                }
            )
    return upsert(session, ExperimentAssignment, rows, keys=ExperimentAssignment.natural_key)


def save_assignments(warehouse: Warehouse, rows: Sequence[Mapping[str, Any]]) -> int:
    with warehouse.session() as session:
        return upsert(session, ExperimentAssignment, rows, keys=ExperimentAssignment.natural_key)


def assignments(warehouse: Warehouse, brand: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """The brand's assignments (of experiments named `<prefix>:…` or `<prefix>` when given)."""
    table = ExperimentAssignment
    query = select(*table.__table__.columns).where(table.brand == brand).order_by(table.id)
    if prefix:
        query = query.where((table.experiment == prefix) | table.experiment.like(f"{prefix}:%"))
    with warehouse.session() as session:
        return [dict(row._mapping) for row in session.execute(query)]


def post_arms(warehouse: Warehouse, brand: str) -> dict[tuple[str, str], str]:
    """(platform, measured content ref) → the hook arm the post was published with."""
    return {(row["platform"], row["content_ref"]): row["arm"] for row in assignments(warehouse, brand, HOOK)}


def measured_posts(warehouse: Warehouse, brand: str, prefix: str = HOOK) -> pd.DataFrame:
    """Every post assigned in a `<prefix>:<platform>` experiment joined to its measured performance:
    experiment, platform, arm, day, engagement rate, source (one row per post and measured day)."""
    a, p = ExperimentAssignment, ContentPerformance
    query = (
        select(a.experiment, a.platform, a.arm, a.unit, p.day, p.engagement_rate, p.impressions, p.source)
        .join(p, (p.brand == a.brand) & (p.platform == a.platform) & (p.content_ref == a.content_ref))
        .where(a.brand == brand, a.experiment.like(f"{prefix}:%"))
        .order_by(p.day, a.id)
    )
    with warehouse.session() as session:
        rows = [dict(row._mapping) for row in session.execute(query)]
    columns = ["experiment", "platform", "arm", "unit", "day", "engagement_rate", "impressions", "source"]
    return pd.DataFrame(rows, columns=columns)


# -- reading a test --------------------------------------------------------------------------------
def decide(looks: Sequence[Any], days: int, units: int, min_arm: int) -> str:
    """The stop rules, in order: the sequential test excluding zero decides; past `MAX_DAYS` or
    `MAX_UNITS` the test stops (with no difference, A stays); otherwise it keeps running, unless
    both arms have `MIN_UNITS` and the expected loss of either choice is negligible."""
    last = looks[-1]
    if last.sequential.significant:
        return "ship B" if last.bayes.chance_to_win > 0.5 else "keep A"
    if days >= MAX_DAYS or units >= MAX_UNITS:
        return "stopped: no difference, keep A"
    bayes = last.bayes
    log_lift = (math.log1p(bayes.ci_low) + math.log1p(bayes.ci_high)) / 2  # posterior mean of log(B/A)
    # keeping A loses E[max(0, log lift)] = E[max(0, -log lift)] + E[log lift]: B's loss plus the mean
    keep_a_loss = bayes.expected_loss + log_lift
    if min_arm >= MIN_UNITS and max(bayes.expected_loss, keep_a_loss) <= LOSS_THRESHOLD:
        return "no difference: keep A"
    return "keep running"


def ab_read(
    experiment: str,
    subject: str,
    a: str,
    b: str,
    daily: pd.DataFrame,
    brand: str,
    units: tuple[int, int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The experiment's row from daily counts (`day`, `n_a`, `x_a`, `n_b`, `x_b`), read through
    `read_daily` (Bayesian + always-valid sequential test). Leading days are pooled until each arm
    has two units, the least the sequential test reads. `units`: the measured units per arm (A, B)
    the stop rules count, where they are not the trials (the title test's pages, whose trials are
    impressions); by default the trials (posts)."""
    daily = daily.sort_values("day").reset_index(drop=True)
    ready = ((daily["n_a"].cumsum() >= 2) & (daily["n_b"].cumsum() >= 2)).to_numpy()
    first = int(ready.argmax())
    head = daily.iloc[: first + 1].sum(numeric_only=True)
    counts = pd.concat([head.to_frame().T, daily.iloc[first + 1 :][head.index]], ignore_index=True)
    looks = read_daily(*(counts[c].to_numpy(int) for c in ("n_a", "n_b", "x_a", "x_b")))
    last = looks[-1]
    days = (daily["day"].max() - daily["day"].min()).days + 1
    units_a, units_b = units if units is not None else (last.visitors_a, last.visitors_b)
    return {
        "brand": brand,
        "experiment": experiment[:200],
        "subject": subject[:300],
        "variant_a": a[:300],
        "variant_b": b[:300],
        "visitors_a": last.visitors_a,
        "conversions_a": last.conversions_a,
        "visitors_b": last.visitors_b,
        "conversions_b": last.conversions_b,
        "chance_to_win": last.bayes.chance_to_win,
        "lift": last.bayes.lift,
        "ci_low": last.bayes.ci_low,
        "ci_high": last.bayes.ci_high,
        "expected_loss": last.bayes.expected_loss,
        "sequential_significant": last.sequential.significant,
        "decision": decide(looks, days, units_a + units_b, min(units_a, units_b)),
        "looks": [
            {
                "day": k.day,
                "chance_to_win": round(k.bayes.chance_to_win, 4),
                "significant": k.sequential.significant,
            }
            for k in looks
        ],
        "cuped_variance_reduction": None,
        **extra,
    }


@dataclass
class ExperimentRead:
    results: list[dict] = field(default_factory=list)  # experiment_results rows, from measured units
    allocations: list[dict] = field(default_factory=list)  # bandit_allocations rows (hooks)
    waiting: list[str] = field(default_factory=list)  # assigned, nothing measured yet: "no data"
    sources: dict[str, int] = field(default_factory=dict)  # measured units per source (simulator, x …)


def _wins(group: pd.DataFrame) -> pd.Series:
    """A post wins when its engagement rate beats the median of its platform's assigned posts."""
    return (group["engagement_rate"] > group["engagement_rate"].median()).astype(int)


def read_hook_tests(warehouse: Warehouse, brand: str, seed: int = 0) -> ExperimentRead:
    """Every post test (`hook:<platform>`, `title:<platform>`) read from its measured posts, and each
    bandit's allocation per platform (dimension hook or title) learned from the same posts."""
    read = ExperimentRead()
    for prefix in POST_TESTS:
        _read_post_tests(warehouse, brand, prefix, seed, read)
    return read


def _read_post_tests(warehouse: Warehouse, brand: str, prefix: str, seed: int, read: ExperimentRead) -> None:
    measured = measured_posts(warehouse, brand, prefix)
    assigned: dict[str, set[str]] = {}  # experiment -> every arm a post went out with, measured or not
    for row in assignments(warehouse, brand, prefix):
        assigned.setdefault(row["experiment"], set()).add(row["arm"])
    read.waiting += sorted(set(assigned) - set(measured["experiment"]))
    for source, count in measured.drop_duplicates("unit")["source"].value_counts().items():
        read.sources[str(source)] = read.sources.get(str(source), 0) + int(count)
    for experiment, group in measured.groupby("experiment", sort=True):
        platform = str(group["platform"].iloc[0])
        group = group.assign(win=_wins(group))
        # every arm this platform's posts went out with: an arm not measured yet keeps its prior, so
        # one measured post on one arm never takes the whole allocation
        arms = sorted(assigned.get(experiment, set()) | set(group["arm"]))
        bandit = ThompsonSampling(arms, seed=seed)
        for arm, win in zip(group["arm"], group["win"]):
            bandit.update(arm, float(win))
        shares = bandit.allocation()
        result = None
        played = group.groupby("arm")["win"].agg(["mean", "size"])
        if len(played) >= 2:
            posterior = (played["mean"] * played["size"] + 1) / (played["size"] + 2)
            b, a = posterior.sort_values(ascending=False).index[:2]
            daily = (
                group[group["arm"].isin([a, b])]
                .groupby(["day", "arm"])["win"]
                .agg(["size", "sum"])
                .unstack("arm", fill_value=0)
            )
            counts = pd.DataFrame(
                {
                    "day": daily.index,
                    "n_a": daily[("size", a)].to_numpy(),
                    "x_a": daily[("sum", a)].to_numpy(),
                    "n_b": daily[("size", b)].to_numpy(),
                    "x_b": daily[("sum", b)].to_numpy(),
                }
            )
            if counts["n_a"].sum() >= 2 and counts["n_b"].sum() >= 2:
                subject = (
                    f"{platform} post {prefix}s (a post wins when it beats the platform's median engagement)"
                )
                result = ab_read(experiment, subject, str(a), str(b), counts, brand)
                read.results.append(result)
        if result is not None and result["decision"] in ("ship B", "keep A"):
            winner = result["variant_b"] if result["decision"] == "ship B" else result["variant_a"]
            shares = {arm: float(arm == winner) for arm in arms}  # the winner is applied
        for i, arm in enumerate(arms):
            read.allocations.append(
                {
                    "brand": brand,
                    "platform": platform,
                    "dimension": prefix,
                    "arm": arm,
                    "share": round(shares[arm], 4),
                    "successes": float(bandit.successes[i]),
                    "failures": float(bandit.failures[i]),
                }
            )
