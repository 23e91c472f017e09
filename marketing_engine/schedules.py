"""Schedules: what runs on the clock. Every ScheduleDefinition defined at the top level of this module
is registered by `definitions.py`.

The rest of the engine follows from these and from the sensors, by automation conditions
(`assets/automation.py`): snapshots → signals → opportunities; metrics → attribution, experiments,
forecasts, memory → report.
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from marketing_engine.jobs import publish_due_posts
from marketing_engine.settings import publishing_blocked, warehouse_url


def _yesterday(context: ScheduleEvaluationContext) -> str:
    return (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()


# trends: collect yesterday's snapshot every morning; signals and opportunities follow it.
@schedule(
    name="trend_snapshots_daily",
    cron_schedule="0 6 * * *",
    target=AssetSelection.assets("trend_snapshots"),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Yesterday's trend snapshot from every source (one daily partition per run).",
)
def trend_snapshots_daily(context: ScheduleEvaluationContext) -> RunRequest:
    day = _yesterday(context)
    return RunRequest(run_key=f"trend_snapshots:{day}", partition_key=day)


# analytics: yesterday's journeys and post metrics every morning; the models and the report follow.
@schedule(
    name="metrics_daily",
    cron_schedule="0 7 * * *",
    target=AssetSelection.assets("touchpoints", "content_metrics"),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Yesterday's customer journeys and post metrics (one daily partition per run); "
    "attribution, experiments, forecasts, memory and the report follow them.",
)
def metrics_daily(context: ScheduleEvaluationContext) -> RunRequest:
    day = _yesterday(context)
    return RunRequest(run_key=f"metrics:{day}", partition_key=day)


# publishing: every five minutes, publish what is due (safe to overlap: claims skip locked rows).
# In prod this posts for real, so it runs only when MARKETING_ENGINE_PUBLISHING=on.
@schedule(
    name="publish_due_posts_every_5_minutes",
    job=publish_due_posts,
    cron_schedule="*/5 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Publish every due, approved post exactly once (the publish_reconciler sensor cleans "
    "up). Locally to the outbox; in prod only with MARKETING_ENGINE_PUBLISHING=on.",
)
def publish_due_posts_every_5_minutes(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    blocked = publishing_blocked()
    if blocked:
        return SkipReason(blocked)
    if not _anything_due(datetime.now(UTC)):  # what the run would claim: due by now
        return SkipReason("no approved post is due")
    return RunRequest(run_key=None)


def _anything_due(now: datetime) -> bool:
    """One indexed query before a publish run (a run worker and a process per platform) is started
    for nothing. A warehouse that cannot answer yet (not migrated, unreachable) gets the run, which
    migrates it or names the problem."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from marketing_engine.publishing.store import anything_due
    from marketing_engine.warehouse.db import make_engine

    try:
        engine = make_engine(warehouse_url())
        try:
            with Session(engine) as session:
                return anything_due(session, now)
        finally:
            engine.dispose()
    except SQLAlchemyError:
        return True


# outreach: every morning, read new journalist requests and pitch them (deadlines are short), advance
# outreach sequences (follow-ups, replies, bounces); every Monday, re-crawl competitors and backlinks
# and look for creators and communities again.
outreach_daily = ScheduleDefinition(
    name="outreach_daily",
    target=AssetSelection.assets("journalist_queries", "pitches", "outreach_sequences"),
    cron_schedule="15 7 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="New journalist requests, their pitches, and today's outreach emails (within the daily cap).",
)

outreach_weekly = ScheduleDefinition(
    name="outreach_weekly",
    target=AssetSelection.assets(
        "competitor_watch", "link_prospects", "backlinks", "eeat_audit", "influencers", "communities"
    ),
    cron_schedule="0 5 * * 1",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Competitor pages diffed, link prospects found, backlinks re-verified, the E-E-A-T audit "
    "redone, creators and communities searched again.",
)
