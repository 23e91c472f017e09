"""Schedules (daily collection, publishing). Every ScheduleDefinition defined at the top level of
this module is registered by `definitions.py`."""

# trends: collect yesterday's snapshot every morning, then refresh signals and opportunities.
from datetime import timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)


@schedule(
    name="trend_snapshots_daily",
    cron_schedule="0 6 * * *",
    target=AssetSelection.assets("trend_snapshots"),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Yesterday's trend snapshot from every source (one daily partition per run).",
)
def trend_snapshots_daily(context: ScheduleEvaluationContext) -> RunRequest:
    day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
    return RunRequest(run_key=f"trend_snapshots:{day}", partition_key=day)


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


# authority: every morning, read new journalist requests and pitch them (deadlines are short), advance
# outreach sequences (follow-ups, replies, bounces); every Monday, re-crawl competitors and backlinks.
authority_daily = ScheduleDefinition(
    name="authority_daily",
    target=AssetSelection.assets("journalist_queries", "pitches", "outreach_sequences"),
    cron_schedule="15 7 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="New journalist requests, their pitches, and today's outreach emails (within the daily cap).",
)

authority_weekly = ScheduleDefinition(
    name="authority_weekly",
    target=AssetSelection.assets("competitor_watch", "link_prospects", "backlinks", "eeat_audit"),
    cron_schedule="0 5 * * 1",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Competitor pages diffed, link prospects found, backlinks re-verified, the E-E-A-T audit redone.",
)
