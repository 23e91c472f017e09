"""The trend spike sensor: a topic over the brand's threshold becomes a `topics` partition and runs.

What triggers: a topic of the newest ranking whose confirmed spike score (the count-aware score of
`trends.events`, in z units: 3.5 is a tail probability of 2.3 × 10⁻⁴ a day) reaches the brand's
threshold, or whose stage is `breakout` — a lasting step, decided three weeks after it began.
A breakout usually first triggered as a spike; it triggers once more as a breakout, so the topic's
brief is rewritten to say that the new level is there to stay.

A plain `@sensor` with its own cursor (an `@asset_sensor` would overwrite it): the cursor keeps the
run keys already requested — `<topic_key>:<spike_date>`, `<topic_key>:breakout:<date>` — for the
last `CURSOR_DAYS` days, so an event triggers once, however many ticks see it, and a later spike
of the same topic triggers again.
Dagster also refuses a second run with the same run key, so a lost cursor cannot duplicate runs.
"""

import json
from datetime import date, timedelta

import dagster as dg

from marketing_engine.assets.partitions import topics_partitions
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.trends.store import spikes_over_threshold

CURSOR_DAYS = 60
BRIEF = dg.AssetKey("topic_brief")


def _read_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        seen = json.loads(cursor).get("seen", {})
    except (ValueError, AttributeError):
        return {}  # an unreadable cursor: run keys still stop duplicate runs
    return {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else {}


def _write_cursor(seen: dict[str, str], newest: date | None) -> str:
    if newest is not None:
        oldest = (newest - timedelta(days=CURSOR_DAYS)).isoformat()
        seen = {k: v for k, v in seen.items() if v >= oldest}
    return json.dumps({"seen": seen}, sort_keys=True)


def _targets(context: dg.SensorEvaluationContext) -> list[dg.AssetKey]:
    """topic_brief plus every video asset partitioned by topics (found at tick time: the video group
    may not exist yet, and its unpartitioned assets cannot take a topic partition key)."""
    targets = [BRIEF]
    repository = getattr(context, "repository_def", None)
    if repository is None:
        return targets
    graph = repository.asset_graph
    for key in dg.AssetSelection.groups("video").resolve(graph):
        partitions = graph.get(key).partitions_def
        if getattr(partitions, "name", None) == topics_partitions.name and key not in targets:
            targets.append(key)
    return targets


@dg.sensor(
    name="trend_spike_sensor",
    asset_selection=dg.AssetSelection.assets(BRIEF) | dg.AssetSelection.groups("video"),
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Turns each new spike over the brand's threshold into a topics partition and one run.",
)
def trend_spike_sensor(
    context: dg.SensorEvaluationContext, brand: BrandResource, warehouse: WarehouseResource
):
    try:
        profile = brand.load()
        spikes = spikes_over_threshold(warehouse.get(), profile.slug, profile.trends.spike_threshold)
    except Exception as exc:  # noqa: BLE001 - a failing read skips the tick; the next one retries
        return dg.SkipReason(f"could not read trend opportunities: {type(exc).__name__}: {exc}")
    seen = _read_cursor(context.cursor)
    new = [s for s in spikes if s.run_key not in seen]
    newest = max((s.spike_date for s in spikes), default=None)
    if not new:
        context.update_cursor(_write_cursor(seen, newest))
        return dg.SkipReason(f"{len(spikes)} topic(s) over threshold, none new")
    existing = set(context.instance.get_dynamic_partitions(topics_partitions.name))
    to_add = sorted({s.topic_key for s in new} - existing)
    targets = _targets(context)
    runs = [
        dg.RunRequest(
            run_key=s.run_key,
            partition_key=s.topic_key,
            asset_selection=targets,
            tags={
                "marketing_engine/topic": s.topic[:60],
                "marketing_engine/spike_date": s.spike_date.isoformat(),
                "marketing_engine/event": "breakout" if s.lifecycle == "breakout" else "spike",
            },
        )
        for s in new
    ]
    seen.update({s.run_key: s.spike_date.isoformat() for s in new})
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[topics_partitions.build_add_request(to_add)] if to_add else [],
        cursor=_write_cursor(seen, newest),
    )
