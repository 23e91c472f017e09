"""Schedules (daily collection, publishing). Every ScheduleDefinition defined at the top level of
this module is registered by `definitions.py`."""

# trends: collect yesterday's snapshot every morning, then refresh signals and opportunities.
from dagster import (  # noqa: E402 - each domain appends its own block
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

trend_snapshots_job = define_asset_job(
    "trend_snapshots_job", selection=AssetSelection.assets("trend_snapshots"), partitions_def=None
)
trend_snapshots_daily = build_schedule_from_partitioned_job(
    trend_snapshots_job, name="trend_snapshots_daily", hour_of_day=6, default_status=DefaultScheduleStatus.RUNNING
)
trend_signals_daily = ScheduleDefinition(
    name="trend_signals_daily",
    target=AssetSelection.assets("trend_signals", "trend_opportunities"),
    cron_schedule="30 6 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Signals and opportunities from the morning's snapshots (the spike sensor reads them).",
)

# publishing: every five minutes, publish what is due (safe to overlap: claims skip locked rows).
from dagster import DefaultScheduleStatus, ScheduleDefinition

from marketing_engine.jobs import publish_due_posts

publish_due_posts_every_5_minutes = ScheduleDefinition(
    name="publish_due_posts_every_5_minutes",
    job=publish_due_posts,
    cron_schedule="*/5 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Publish every due, approved post exactly once (the publish_reconciler sensor cleans up).",
)
