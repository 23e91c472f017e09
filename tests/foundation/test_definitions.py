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
