from __future__ import annotations

from datetime import date

import pytest
from dagster import (
    AssetKey,
    Definitions,
    DynamicPartitionsDefinition,
    EnvVar,
    RunRequest,
    SensorResult,
    asset,
    sensor,
)
from rich.console import Console

from marketing_engine import cli
from marketing_engine.definitions import build_definitions
from marketing_engine.pipeline import (
    RUN_KEY_TAG,
    SENSOR_NAME_TAG,
    STAGE_TAG,
    STAGES,
    PipelineError,
    Stage,
    _instance,
    check_stages,
    dagster_home,
    run_pipeline,
    sensors_for,
    summarize,
)
from marketing_engine.resources import build_resources
from marketing_engine.settings import environment, home_dir, warehouse_url

FOUNDATION = [stage for stage in STAGES if stage.name == "foundation"]
TRENDS = [stage for stage in STAGES if stage.name in ("foundation", "trend snapshots", "trend signals")]


def test_every_stage_runs_jobs_and_sensors_of_the_definitions():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    check_stages(STAGES, defs, graph)  # raises on a job or a sensed asset the Definitions lack
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {name for stage in STAGES for name in stage.jobs} <= jobs
    assert all(not stage.groups and not stage.keys for stage in STAGES)  # no selection of its own
    sensed = {stage.name: [s.name for s in sensors_for(stage, defs, graph)] for stage in STAGES if stage.sensed}
    assert sensed["trend snapshots"] == ["daily_catch_up"] and sensed["video"] == ["trend_spike_sensor"]


def test_make_run_runs_only_the_definitions_and_a_second_run_redoes_no_sensor_run(engine_home):
    """The trend stages: a foundation job, the catch-up sensor's one ranged snapshot run (30 days),
    the signals job. Every run is a job of the Definitions or a run a sensor of the Definitions
    asked for; on the second run the sensor asks for nothing: the same rows."""
    console = Console(record=True, width=120)
    first = {r.name: r for r in run_pipeline(TRENDS, console=console)}
    assert first["trend snapshots"].runs == 1 and first["trend snapshots"].made_before == 0
    counts = summarize(console)
    assert counts["trend_data"] > 0 and counts["trend_signals"] > 0
    second = {r.name: r for r in run_pipeline(TRENDS, console=console)}
    assert second["trend snapshots"].runs == 0  # the sensor finds every day of the window made
    assert summarize(console) == counts  # idempotent: the same rows

    defs = build_definitions()
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    sensors = {sensor.name for sensor in defs.sensors}
    runs = _instance().get_runs()
    assert len(runs) == 2 * 3 - 1
    for run in runs:
        assert run.tags[STAGE_TAG] in {"foundation", "trend snapshots", "trend signals"}
        if SENSOR_NAME_TAG in run.tags:
            assert run.tags[SENSOR_NAME_TAG] in sensors and run.tags[RUN_KEY_TAG]
            assert set(run.asset_selection or ()) <= {AssetKey("trend_snapshots")}
        else:
            assert run.job_name in jobs
    [snapshot_run] = [run for run in runs if SENSOR_NAME_TAG in run.tags]
    first_day = snapshot_run.tags["dagster/asset_partition_range_start"]
    last_day = snapshot_run.tags["dagster/asset_partition_range_end"]
    assert snapshot_run.tags[RUN_KEY_TAG] == f"trend_snapshots:{first_day}...{last_day}"
    assert (date.fromisoformat(last_day) - date.fromisoformat(first_day)).days == 29


def test_foundation_stage_runs_into_the_engine_home_and_is_idempotent(engine_home):
    console = Console(record=True, width=120)
    reports = run_pipeline(FOUNDATION, console=console)
    assert reports[0].assets == {"brand_profile", "campaigns"} and reports[0].runs == 1
    first = summarize(console)
    run_pipeline(FOUNDATION, console=console)
    assert summarize(console) == first
    assert first["campaigns"] == 32
    assert (engine_home / "warehouse.sqlite").is_file()
    assert (dagster_home() / "dagster.yaml").is_file()
    assert "campaigns" in console.export_text()


def test_a_failing_stage_names_the_stage_and_the_step(tmp_path, monkeypatch):
    broken = tmp_path / "brand.yaml"
    broken.write_text("name: x\n")
    monkeypatch.setenv("MARKETING_ENGINE_BRAND", str(broken))
    with pytest.raises(PipelineError, match="stage 'foundation' failed: brand_profile"):
        run_pipeline(FOUNDATION, console=Console(quiet=True))


def test_a_stage_that_selects_nothing_is_refused():
    with pytest.raises(PipelineError, match="selects no assets"):
        run_pipeline([Stage("empty", groups=("no_such_group",))], console=Console(quiet=True))


def test_cli_run_reports_a_broken_brand_file_and_exits_2(tmp_path, capsys):
    broken = tmp_path / "brand.yaml"
    broken.write_text("name: Kestrel\n")
    assert cli.main(["run", "--brand", str(broken)]) == 2
    assert "Brand file error" in capsys.readouterr().out


def test_cli_run_succeeds_on_the_example(monkeypatch, capsys):
    monkeypatch.setattr("marketing_engine.pipeline.STAGES", FOUNDATION)
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Kestrel Cycles" in out and "campaigns" in out and "Done in" in out


def test_cli_run_exits_1_when_a_stage_fails(monkeypatch, capsys):
    monkeypatch.setattr("marketing_engine.pipeline.STAGES", [Stage("empty", groups=("nothing",))])
    assert cli.main(["run"]) == 1


def test_settings_come_from_the_environment(engine_home, monkeypatch):
    assert warehouse_url() == f"sqlite:///{engine_home / 'warehouse.sqlite'}"
    assert home_dir("site") == engine_home / "site" and (engine_home / "site").is_dir()
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "staging")
    with pytest.raises(ValueError, match="MARKETING_ENGINE_ENV='staging'"):
        environment()


def test_prod_resources_take_secrets_only_from_env_vars():
    resources = build_resources("prod")
    assert isinstance(resources["llm"].api_key, EnvVar) or resources["llm"].api_key is None
    local = build_resources("local")
    assert local["llm"].backend == "offline" and local["media_store"].backend == "local"


PROBE_ITEMS = DynamicPartitionsDefinition(name="probe_items")
BROKEN: set[str] = set()


@asset(partitions_def=PROBE_ITEMS, group_name="probe")
def probe_item(context) -> int:
    if context.partition_key in BROKEN:
        raise ValueError(f"item {context.partition_key} has no price")
    return 1


@sensor(asset_selection=[probe_item])
def probe_items_sensor(context):
    items = ["a", "b"]
    return SensorResult(
        run_requests=[RunRequest(run_key=f"item:{k}", partition_key=k) for k in items],
        dynamic_partitions_requests=[PROBE_ITEMS.build_add_request(items)],
    )


def test_a_sensed_stage_adds_the_sensors_partitions_and_retries_only_what_failed(monkeypatch):
    probe = Definitions(assets=[probe_item], sensors=[probe_items_sensor])
    monkeypatch.setattr("marketing_engine.definitions.build_definitions", lambda env=None: probe)
    stages = [Stage("items", sensed=("probe_item",))]
    BROKEN.add("b")
    try:
        with pytest.raises(PipelineError) as raised:
            run_pipeline(stages, console=Console(quiet=True))
    finally:
        BROKEN.clear()
    [failure] = raised.value.failures
    assert (failure.where, failure.partition) == ("probe_item", "b")
    assert failure.cause == "ValueError: item b has no price"
    [report] = run_pipeline(stages, console=Console(quiet=True))
    assert (report.runs, report.made_before) == (1, 1)  # b again; a's run key was made
    runs = _instance().get_runs()
    assert sorted(r.tags[RUN_KEY_TAG] for r in runs) == ["item:a", "item:b", "item:b"]
    assert {r.tags[SENSOR_NAME_TAG] for r in runs} == {"probe_items_sensor"}
    assert sorted(_instance().get_dynamic_partitions("probe_items")) == ["a", "b"]
