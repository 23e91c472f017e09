"""How the engine keeps itself current, and what an operator sees on every asset.

- Owners: one team per asset group (`owners(group)`), shown in the UI and used to filter it.
- Kinds: `WAREHOUSE` names the warehouse's engine (`sqlite` by default, `postgres` when
  MARKETING_ENGINE_WAREHOUSE_URL names one), next to the asset's own kinds (python, ffmpeg,
  anthropic, html, the platform it posts to).
- Automation conditions (evaluated by `automation_condition_sensor` in `sensors/automation.py`,
  running by default): `after_upstream()` for assets that follow their inputs, `on_cron()` for
  assets that read the outside world on a calendar.
- Providers: `calls(pool)` gives an asset that calls an external service its concurrency pool
  (one per provider; limits in dagster.yaml) and `PROVIDER_RETRY`. The HTTP layer retries each
  request (`resources/http.py`) within a time bound per provider; this retries the whole step once
  that layer has given up.
- Freshness: how old trend snapshots, published posts and the report may get before the UI flags
  them (evaluated by the daemon's freshness loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from dagster import (
    AssetSelection,
    AutomationCondition,
    Backoff,
    Failure,
    FreshnessPolicy,
    Jitter,
    RetryPolicy,
)

from marketing_engine.execution import queue_tags
from marketing_engine.settings import publishing_blocked, warehouse_url

OWNERS: dict[str, str] = {
    "foundation": "team:brand",
    "trends": "team:trends",
    "video": "team:video",
    "publishing": "team:social",
    "seo": "team:seo",
    "analytics": "team:analytics",
    "outreach": "team:outreach",
}


def owners(group: str) -> list[str]:
    """The owning team of an asset group (a group without one is a mistake, named here)."""
    try:
        return [OWNERS[group]]
    except KeyError:
        raise KeyError(
            f"asset group {group!r} has no owner in marketing_engine.assets.automation.OWNERS"
        ) from None


def _warehouse_kind(url: str) -> str:
    return "postgres" if url.startswith(("postgresql", "postgres")) else "sqlite"


WAREHOUSE = _warehouse_kind(warehouse_url())

# One concurrency pool per external provider. Publishing has one pool per platform
# (`publish_<platform>`), named where the publish assets are made.
PROVIDER_POOLS = frozenset(
    {
        "anthropic",  # the LLM: pages, scripts, social copy, pitches
        "trend_sources",  # Google Trends, Reddit, X, YouTube, TikTok, news
        "keyword_ideas",  # autocomplete / Search Console
        "metrics",  # GA4, platform insights
        "wordpress",
        "voice",  # ElevenLabs
        "music",  # Suno
        "footage",  # Runway, Kling, Pika
        "crawler",  # prospect, backlink and competitor sites
        "mail",  # IMAP / SMTP
        "social_discovery",  # creator and community search
        "assistants",  # AI assistants answering the brand's questions (Anthropic, OpenAI, Gemini)
        "indexing",  # IndexNow, Search Console sitemaps and URL Inspection
    }
)

PROVIDER_RETRY = RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
"""A step that failed runs again after about 10 s, then 20 s (± jitter): in a deployment each retry is a
fresh process, so the HTTP layer's per-provider budget starts over; in one process (`make run`) that
budget is spent and a down provider is refused at once, so a failure still surfaces within ~30 s.
An asset that knows a retry cannot help raises `Failure(allow_retries=False)` (the publishing switch)."""


def calls(pool: str) -> dict[str, Any]:
    """Decorator arguments for an asset that calls an external provider: its pool, the retry, and the
    Celery queue of its kind of work where it has one (crawling)."""
    if pool not in PROVIDER_POOLS and not pool.startswith("publish_"):
        raise ValueError(f"pool {pool!r} is not a provider pool; known: {', '.join(sorted(PROVIDER_POOLS))}")
    return {"pool": pool, "retry_policy": PROVIDER_RETRY, **queue_tags(pool=pool)}


def refuse_unless_publishing() -> None:
    """Fail a publish asset at once, with no retry, when publish runs may not start (in prod with the
    publishing switch off): a click in a prod UI posts nothing."""
    if blocked := publishing_blocked():
        raise Failure(description=blocked, allow_retries=False)


def after_upstream(only: Sequence[str] = ()) -> AutomationCondition:
    """Run when an upstream asset updates (any, or one of `only`), once none of them is running.

    `AutomationCondition.eager()` without its two waits for data: it would also run an asset the
    tick it is found missing, and hold it back while any upstream partition is missing. The
    engine's unpartitioned assets read whatever topic, cluster or day partitions exist (a topic
    never rendered must not hold up the calendar, a quiet brand may never render a video), and a
    fresh deployment starts from its schedules and sensors, not from every asset at once.

    `only` names the upstream assets whose updates count, for an asset that reads the others but
    should not run before those exist (the analytics models follow the metrics, not every video).
    """
    updated = AutomationCondition.any_deps_updated()
    if only:
        updated = updated.allow(AssetSelection.assets(*only))
    return (
        updated.since_last_handled()
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label("after upstream")


def on_cron(cron: str) -> AutomationCondition:
    """Run on every tick of `cron` (UTC) once every upstream asset has data, without waiting for
    them to update: these assets read the outside world, which changes on its own."""
    upstream_has_data = AutomationCondition.all_deps_match(
        ~AutomationCondition.missing() | AutomationCondition.will_be_requested()
    ).with_label("every upstream asset has data")
    return (
        AutomationCondition.cron_tick_passed(cron).since_last_handled()
        & upstream_has_data
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label(f"on cron {cron}")


WEEKLY = "0 4 * * 1"  # Mondays 04:00 UTC: the keyword universe, and with it the pages and the site

TREND_SNAPSHOTS_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=30), warn_window=timedelta(hours=26)
)
"""Snapshots are taken daily at 06:00 UTC: a day and a few hours without one is a missed day."""

PUBLISHED_POSTS_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=1), warn_window=timedelta(minutes=20)
)
"""The publisher runs every five minutes: an hour without a run means nothing is going out."""

REPORT_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=timedelta(hours=30), warn_window=timedelta(hours=26)
)
"""The report follows the daily metrics: older than a day and a bit, it describes yesterday's yesterday."""
