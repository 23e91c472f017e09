from __future__ import annotations

from pathlib import Path

import yaml
from dagster import DagsterInstance, materialize
from sqlalchemy import select

from marketing_engine.assets.brand import (
    brand_profile,
    campaign_rows,
    campaigns,
    campaigns_cover_products_and_channels,
)
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import Campaign


def _run(brand_file: Path, url: str, instance: DagsterInstance):
    return materialize(
        [brand_profile, campaigns, campaigns_cover_products_and_channels],
        resources={"brand": BrandResource(path=str(brand_file)), "warehouse": WarehouseResource(url=url)},
        instance=instance,
    )


def test_campaigns_are_upserted_once_per_product_and_channel(warehouse_url, example_brand):
    instance = DagsterInstance.ephemeral()
    first = _run(EXAMPLE_BRAND, warehouse_url, instance)
    second = _run(EXAMPLE_BRAND, warehouse_url, instance)
    assert first.success and second.success
    expected = len(example_brand.products) * len(example_brand.enabled_channels)
    warehouse = Warehouse(warehouse_url)
    assert warehouse.count(Campaign) == expected == 32
    checks = second.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]
    metadata = second.asset_materializations_for_node("campaigns")[0].metadata
    assert metadata["campaigns"].value == expected
    assert "kestrel-commuter-x" in metadata["preview"].value
    warehouse.dispose()


def test_removed_channel_archives_its_campaigns_without_deleting_history(warehouse_url, tmp_path):
    instance = DagsterInstance.ephemeral()
    assert _run(EXAMPLE_BRAND, warehouse_url, instance).success
    data = yaml.safe_load(EXAMPLE_BRAND.read_text())
    data["channels"]["pinterest"]["enabled"] = False
    smaller = tmp_path / "brand.yaml"
    smaller.write_text(yaml.safe_dump(data))
    result = _run(smaller, warehouse_url, instance)
    assert result.success
    warehouse = Warehouse(warehouse_url)
    with warehouse.session() as session:
        statuses = {c.slug: c.status for c in session.scalars(select(Campaign))}
    assert len(statuses) == 32
    assert {s for slug, s in statuses.items() if slug.endswith("-pinterest")} == {"archived"}
    assert result.asset_materializations_for_node("campaigns")[0].metadata["archived"].value == 4
    warehouse.dispose()


def test_campaign_rows_pick_objective_from_product_kind(example_brand):
    rows = campaign_rows(example_brand)
    objectives = {row["product"]: row["objective"] for row in rows}
    assert objectives["Kestrel Cargo"] == "sales"
    assert objectives["E-bike Tune-up"] == "leads"
    assert len({row["utm_campaign"] for row in rows}) == len(rows)
