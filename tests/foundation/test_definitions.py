"""The one Definitions object loads, in both environments, and every asset is findable in the UI.

No snapshot of the asset specs: domains add assets all the time. Instead, rules every asset and
check must follow, and the foundation assets pinned by name and group.
"""

from __future__ import annotations

import pytest
from dagster import AssetKey, Definitions

from marketing_engine.definitions import build_definitions

FOUNDATION = {"brand_profile": "foundation", "campaigns": "foundation"}


@pytest.fixture(scope="module")
def local_defs() -> Definitions:
    return build_definitions("local")


@pytest.fixture(scope="module")
def asset_graph(local_defs: Definitions):
    return local_defs.resolve_asset_graph()


def _own_assets(asset_graph) -> list:
    """Assets defined here, not keys only named in a `deps=[...]` (a colleague's asset to come)."""
    return [node for node in asset_graph.asset_nodes if node.is_executable]


@pytest.mark.parametrize("env", ["local", "prod"])
def test_definitions_are_loadable(env: str) -> None:
    Definitions.validate_loadable(build_definitions(env))


def test_the_module_level_defs_are_loadable() -> None:
    from marketing_engine import definitions

    Definitions.validate_loadable(definitions.defs)


def test_every_asset_has_a_group_and_a_description(asset_graph) -> None:
    assets = _own_assets(asset_graph)
    assert len(assets) >= len(FOUNDATION)
    ungrouped = [node.key.to_user_string() for node in assets if node.group_name in (None, "default")]
    assert not ungrouped, f"assets without group_name=: {ungrouped}"
    undescribed = [node.key.to_user_string() for node in assets if not (node.description or "").strip()]
    assert not undescribed, f"assets without a description: {undescribed}"


def test_every_asset_check_is_attached_to_an_asset_defined_here(asset_graph) -> None:
    own_keys = {node.key for node in _own_assets(asset_graph)}
    orphans = sorted(
        check.to_user_string() for check in asset_graph.asset_check_keys if check.asset_key not in own_keys
    )
    assert not orphans, f"asset checks on assets nobody defines: {orphans}"


def test_foundation_assets_and_their_blocking_check(asset_graph) -> None:
    for name, group in FOUNDATION.items():
        node = asset_graph.get(AssetKey(name))
        assert node.is_materializable, name
        assert node.group_name == group, (name, node.group_name)
    assert AssetKey("brand_profile") in asset_graph.get(AssetKey("campaigns")).parent_keys
    checks = {key.name: key for key in asset_graph.asset_check_keys if key.asset_key == AssetKey("campaigns")}
    assert "campaigns_cover_products_and_channels" in checks
    assert asset_graph.get_check_spec(checks["campaigns_cover_products_and_channels"]).blocking


def test_local_environment_uses_offline_backends(local_defs: Definitions) -> None:
    resources = local_defs.resources
    assert resources["llm"].backend == "offline"
    assert resources["media_store"].backend == "local"
    assert resources["warehouse"].url.startswith("sqlite:///")


def test_every_job_in_jobs_module_is_registered(local_defs: Definitions) -> None:
    from marketing_engine import jobs

    assert jobs.JOBS
    for job in jobs.JOBS:
        assert local_defs.resolve_job_def(job.name).name == job.name


# --- Operators see the engine, and the engine runs by itself -------------------------------------

PROVIDER_RESOURCES = {
    "llm",
    "indexing",
    "metrics",
    "voice",
    "music",
    "footage",
    "keyword_ideas",
    "wordpress",
    "publishers",
    "trend_sources",
    "crawler",
    "mail",
    "ad_library",
    "social_discovery",
}


def _resolved(selection, asset_graph) -> set[AssetKey]:
    return set(selection.resolve(asset_graph)) if selection is not None else set()


def reached_by(defs: Definitions) -> dict[AssetKey, list[str]]:
    """What starts each asset in a deployment whose daemon runs with the defaults: a schedule or a
    sensor running by default that targets it (its asset selection or its job's), or an automation
    condition on the asset that a default-running automation condition sensor evaluates."""
    from collections import defaultdict

    from dagster import AutomationConditionSensorDefinition, DefaultScheduleStatus, DefaultSensorStatus

    graph = defs.resolve_asset_graph()
    reached: dict[AssetKey, list[str]] = defaultdict(list)
    for schedule in defs.schedules:
        if schedule.default_status == DefaultScheduleStatus.RUNNING:
            for key in _resolved(schedule.job.selection, graph):
                reached[key].append(f"schedule {schedule.name}")
    for sensor in defs.sensors:
        if sensor.default_status != DefaultSensorStatus.RUNNING:
            continue
        if isinstance(sensor, AutomationConditionSensorDefinition):
            for key in _resolved(sensor.asset_selection, graph):
                if graph.get(key).automation_condition is not None:
                    reached[key].append(f"automation condition ({sensor.name})")
            continue
        targets = _resolved(sensor.asset_selection, graph)
        for target in sensor.targets:
            targets |= _resolved(getattr(target.job_def, "selection", None), graph)
        for key in targets:
            reached[key].append(f"sensor {sensor.name}")
    return reached


def test_every_asset_is_reached_by_a_schedule_a_sensor_or_an_automation_condition(
    local_defs: Definitions, asset_graph
) -> None:
    assets = {node.key for node in _own_assets(asset_graph)}
    reached = reached_by(local_defs)
    unreached = sorted(key.to_user_string() for key in assets - set(reached))
    assert len(assets) >= 50
    assert not unreached, (
        f"{len(unreached)} of {len(assets)} assets nothing starts in a deployment: {unreached}"
    )


def test_the_automation_condition_sensor_runs_by_default(local_defs: Definitions) -> None:
    from dagster import AutomationConditionSensorDefinition, DefaultSensorStatus

    [sensor] = [s for s in local_defs.sensors if isinstance(s, AutomationConditionSensorDefinition)]
    assert sensor.name == "default_automation_condition_sensor"
    assert sensor.default_status == DefaultSensorStatus.RUNNING


def test_every_asset_has_kinds_an_owner_per_group_and_a_code_version(asset_graph) -> None:
    from marketing_engine.assets.automation import OWNERS

    assets = _own_assets(asset_graph)
    missing = {
        what: sorted(node.key.to_user_string() for node in assets if not has(node))
        for what, has in {
            "kinds": lambda node: node.kinds,
            "owners": lambda node: node.owners,
            "code_version": lambda node: node.code_version,
        }.items()
    }
    assert missing == {"kinds": [], "owners": [], "code_version": []}
    by_group: dict[str, set[str]] = {}
    for node in assets:
        by_group.setdefault(node.group_name, set()).update(node.owners)
    assert by_group == {group: {OWNERS[group]} for group in by_group}
    for owner in OWNERS.values():
        assert owner.startswith("team:") or "@" in owner, owner


def test_every_asset_that_calls_a_provider_has_a_pool_and_a_retry_policy(local_defs: Definitions) -> None:
    from dagster import Backoff, Jitter

    calling = {}
    for assets_def in local_defs.assets:
        if assets_def.required_resource_keys & PROVIDER_RESOURCES:
            for key in assets_def.keys:
                calling[key.to_user_string()] = (assets_def.op.pool, assets_def.op.retry_policy)
    assert len(calling) >= 30
    without = sorted(name for name, (pool, retry) in calling.items() if not pool or retry is None)
    assert not without, f"provider-calling assets without a pool or a retry policy: {without}"
    for pool, retry in calling.values():
        assert (retry.backoff, retry.jitter) == (Backoff.EXPONENTIAL, Jitter.PLUS_MINUS)
        assert retry.max_retries >= 1


def test_staleness_matters_where_freshness_policies_are_set(asset_graph) -> None:
    with_policy = {
        node.key.to_user_string() for node in _own_assets(asset_graph) if node.freshness_policy is not None
    }
    assert {"trend_snapshots", "marketing_report", "published_posts_x"} <= with_policy
    assert all(
        name.startswith("published_posts_") for name in with_policy - {"trend_snapshots", "marketing_report"}
    )


def test_trends_reach_video_through_the_lineage(asset_graph) -> None:
    assert AssetKey("topic_brief") in asset_graph.get(AssetKey("video_scripts")).parent_keys
    assert AssetKey("brand_profile") in asset_graph.get(AssetKey("video_dna")).parent_keys


def _requested(defs: Definitions, result) -> set[str]:
    return {
        key.to_user_string()
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if result.get_num_requested(key)
    }


def test_a_rendered_topic_moves_the_copy_and_calendar_once_despite_missing_topics(
    local_defs: Definitions,
) -> None:
    """Declarative automation as the daemon evaluates it: a new rendition of one topic (another topic
    never rendered, the site never built) asks for the copy and the calendar in one tick, and not
    again on the next; the analytics wait for the metrics."""
    from dagster import AssetMaterialization, DagsterInstance, evaluate_automation_conditions

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("topics", ["one-topic", "never-rendered"])
    first = evaluate_automation_conditions(defs=local_defs, instance=instance)
    assert first.total_requested == 0  # a fresh deployment starts from its schedules and sensors
    instance.report_runless_asset_event(AssetMaterialization("rendered_videos", partition="one-topic"))
    second = evaluate_automation_conditions(defs=local_defs, instance=instance, cursor=first.cursor)
    assert _requested(local_defs, second) == {"social_copy", "content_calendar"}
    third = evaluate_automation_conditions(defs=local_defs, instance=instance, cursor=second.cursor)
    assert third.total_requested == 0


def test_a_day_of_metrics_moves_the_models_memory_and_report_in_one_tick(local_defs: Definitions) -> None:
    from dagster import AssetMaterialization, DagsterInstance, evaluate_automation_conditions

    instance = DagsterInstance.ephemeral()
    first = evaluate_automation_conditions(defs=local_defs, instance=instance)
    for key in ("touchpoints", "content_metrics"):
        instance.report_runless_asset_event(AssetMaterialization(key, partition="2026-01-05"))
    second = evaluate_automation_conditions(defs=local_defs, instance=instance, cursor=first.cursor)
    assert _requested(local_defs, second) == {
        "attribution_tables",
        "experiments",
        "performance_forecasts",
        "campaign_memory",
        "marketing_report",
    }
