"""`ai_visibility_today`: measures today's AI visibility when no run has yet.

Assistants answer as of now, so only the newest day can be measured; a past day is never filled in.
The daily automation condition on `ai_visibility` takes each new day in a deployment; this sensor
starts the first measurement (a fresh deployment, `make run`). Run key `ai_visibility:<day>`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

VISIBILITY = dg.AssetKey("ai_visibility")


@dg.sensor(
    name="ai_visibility_today",
    asset_selection=dg.AssetSelection.assets(VISIBILITY),
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Today's AI-visibility measurement when it has not been taken yet (one run per day).",
)
def ai_visibility_today(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    today = datetime.now(UTC).date().isoformat()
    if today in context.instance.get_materialized_partitions(VISIBILITY):
        return dg.SkipReason(f"AI visibility for {today} is measured")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"ai_visibility:{today}", partition_key=today)]
    )
