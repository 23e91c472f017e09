"""`make dev` right after `make run` renders nothing again and publishes nothing.

The whole `make run` runs once; then every sensor, the automation conditions and every schedule of
the Definitions are evaluated against the same instance the way the daemon does when `make dev`
starts it: sensors with an empty cursor (a daemon's first tick) and their run keys looked up as the
daemon looks them up, automation conditions twice (the first tick and the next one from its
cursor), each schedule at its next tick — and the publish schedule's run is executed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetKey,
    AutomationConditionSensorDefinition,
    RunRequest,
    RunsFilter,
    RunStatusSensorDefinition,
    build_schedule_context,
    build_sensor_context,
    evaluate_automation_conditions,
)
from rich.console import Console
from sqlalchemy import func, select

from marketing_engine.definitions import build_definitions
from marketing_engine.pipeline import RUN_KEY_TAG, SENSOR_NAME_TAG, _instance, run_pipeline
from marketing_engine.resources import build_resources
from marketing_engine.warehouse.models import SocialPost, VideoAsset

pytestmark = pytest.mark.e2e


def _made_already(instance, sensor: str, request: RunRequest) -> bool:
    """The daemon's check: a run of this sensor with this run key exists, whatever its status."""
    if not request.run_key:
        return False
    runs = instance.get_runs(RunsFilter(tags={RUN_KEY_TAG: request.run_key}))
    return any(run.tags.get(SENSOR_NAME_TAG) == sensor for run in runs)


def _state(engine_home):
    warehouse = build_resources("local")["warehouse"].get()
    with warehouse.session() as session:
        posts = dict(session.execute(select(SocialPost.state, func.count()).group_by(SocialPost.state)).all())
        videos = session.scalar(select(func.count()).select_from(VideoAsset))
    outbox = sorted(str(p) for p in (engine_home / "outbox").rglob("*") if p.is_file())
    renders = sorted(str(p) for p in (engine_home / "videos").rglob("*.mp4"))
    return posts, videos, outbox, renders


def test_make_dev_after_make_run_renders_nothing_again_and_publishes_nothing(engine_home):
    reports = {r.name: r for r in run_pipeline(console=Console(quiet=True))}
    assert reports["video"].runs >= 1  # the spike sensor's runs rendered at least one video
    before = _state(engine_home)
    posts, videos, outbox, renders = before
    assert videos >= 1 and renders and posts.get("published", 0) >= 1 and outbox

    instance = _instance()
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    video_keys = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "video"}
    publish_keys = {k for k in graph.get_all_asset_keys() if k.path[-1].startswith("published_")}

    # every sensor's first tick: nothing new to run (run keys taken, or nothing due)
    asked_again = {}
    for sensor in defs.sensors:
        if isinstance(sensor, (AutomationConditionSensorDefinition, RunStatusSensorDefinition)):
            continue
        with build_sensor_context(
            instance_ref=instance.get_ref(),
            cursor=None,
            definitions=defs,
            sensor_name=sensor.name,
            resources=dict(defs.resources or {}),
        ) as context:
            data = sensor.evaluate_tick(context)
        new = [r for r in data.run_requests or () if not _made_already(instance, sensor.name, r)]
        if new:
            asked_again[sensor.name] = [(r.run_key, r.partition_key) for r in new]
    assert asked_again == {}
    spike_runs = instance.get_runs(RunsFilter(tags={SENSOR_NAME_TAG: "trend_spike_sensor"}))
    assert len(spike_runs) == reports["video"].runs  # make run's video runs carry the sensor's run keys

    # the automation conditions: the first tick and the next one request nothing
    first = evaluate_automation_conditions(defs=defs, instance=instance)
    second = evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    requested = {
        r.asset_key.to_user_string()
        for result in (first, second)
        for r in result.results
        if r.true_subset.size
    }
    assert requested == set()

    # each schedule's next tick: nothing renders; the publish run publishes nothing new
    now = datetime.now(UTC) + timedelta(minutes=5)
    for schedule in defs.schedules:
        with build_schedule_context(
            instance=instance,
            scheduled_execution_time=now,
            repository_def=defs.get_repository_def(),
            resources=dict(defs.resources or {}),
        ) as context:
            data = schedule.evaluate_tick(context)
        for request in data.run_requests or ():
            targets = set(request.asset_selection or ())
            if not targets:
                job = defs.resolve_job_def(schedule.job_name)
                targets = set(job.asset_layer.selected_asset_keys)
            assert not targets & video_keys, f"{schedule.name} would render"
            if targets & publish_keys:
                result = defs.resolve_job_def(schedule.job_name).execute_in_process(
                    instance=instance, tags={**request.tags, "dagster/schedule_name": schedule.name}
                )
                assert result.success
    assert _state(engine_home) == before  # no post published, no video rendered, no outbox file
    assert AssetKey("rendered_videos") in video_keys
