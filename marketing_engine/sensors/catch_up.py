"""`daily_catch_up`: keeps the recent days of the daily-partitioned assets complete.

- trend snapshots: the `SNAPSHOT_DAYS` days ending yesterday — the history the signals need. The
  missing days go in one run over their range (the asset's BackfillPolicy.single_run).
- touchpoints and content metrics: the last `METRIC_DAYS` days up to today, one run per missing day.

A fresh deployment, a daemon that was down for days and `make run` all start from here; on an
ordinary day the daily schedules take the newest day and this sensor finds nothing missing. It
keeps no cursor: what is missing is read from the instance's materializations each tick, and run
keys (`<asset>:<first day>...<last day>`, `metrics:<day>`) stop a second run of the same days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg

SNAPSHOTS = dg.AssetKey("trend_snapshots")
METRICS = (dg.AssetKey("touchpoints"), dg.AssetKey("content_metrics"))
SNAPSHOT_DAYS = 30  # the history the trend signals need
METRIC_DAYS = 3
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _days(last: date, count: int) -> list[str]:
    return [(last - timedelta(days=offset)).isoformat() for offset in range(count - 1, -1, -1)]


def missing_days(instance: dg.DagsterInstance, keys: tuple[dg.AssetKey, ...], days: list[str]) -> list[str]:
    """The days among `days` that some of `keys` has no materialization for."""
    done = None
    for key in keys:
        made = set(instance.get_materialized_partitions(key))
        done = made if done is None else done & made
    return [day for day in days if day not in (done or set())]


def catch_up_requests(instance: dg.DagsterInstance, today: date) -> list[dg.RunRequest]:
    """One ranged run over the missing snapshot days (as one range from the first missing to the
    last, so a gap costs one run), and one run per missing metrics day."""
    requests = []
    snapshots = missing_days(instance, (SNAPSHOTS,), _days(today - timedelta(days=1), SNAPSHOT_DAYS))
    if snapshots:
        first, last = snapshots[0], snapshots[-1]
        requests.append(
            dg.RunRequest(
                run_key=f"trend_snapshots:{first}...{last}",
                asset_selection=[SNAPSHOTS],
                tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
            )
        )
    for day in missing_days(instance, METRICS, _days(today, METRIC_DAYS)):
        requests.append(
            dg.RunRequest(run_key=f"metrics:{day}", partition_key=day, asset_selection=list(METRICS))
        )
    return requests


@dg.sensor(
    name="daily_catch_up",
    asset_selection=dg.AssetSelection.assets(SNAPSHOTS, *METRICS),
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"Fills the missing days of the last {SNAPSHOT_DAYS} days of trend snapshots (one run "
    f"over the range) and of the last {METRIC_DAYS} days of metrics (one run per day).",
)
def daily_catch_up(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    requests = catch_up_requests(context.instance, datetime.now(UTC).date())
    if not requests:
        return dg.SkipReason("the recent days of snapshots and metrics are all there")
    return dg.SensorResult(run_requests=requests)
