"""The spike sensor: once per spike, never for a blip under the threshold, not again after a restart."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.sensors.trend_spikes import trend_spike_sensor
from marketing_engine.settings import EXAMPLE_BRAND
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import TrendOpportunity

DAY = date(2026, 5, 4)


def opportunity(topic: str, score: float, as_of: date = DAY, spike: date | None = DAY, rank: int = 1) -> dict:
    return {
        "brand": "kestrel-cycles",
        "as_of": as_of,
        "topic": topic,
        "topic_key": topic.replace(" ", "-"),
        "rank": rank,
        "score": score / 4,
        "relevance": 0.8,
        "matched_seed": topic,
        "spike_score": score,
        "spike_date": spike,
        "lifecycle": "emerging",
        "confirmations": 4,
        "reason": "test",
    }


@pytest.fixture
def store(warehouse_url):
    warehouse = Warehouse(warehouse_url)

    def write(*rows):
        with warehouse.session() as session:
            upsert(session, TrendOpportunity, rows, keys=["brand", "as_of", "topic"])

    yield write
    warehouse.dispose()


def tick(instance, warehouse_url, cursor=None, brand_path=EXAMPLE_BRAND):
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "brand": BrandResource(path=str(brand_path)),
            "warehouse": WarehouseResource(url=warehouse_url),
        },
    )
    return trend_spike_sensor(context), context


def test_a_spike_triggers_once_across_ticks_and_a_blip_never(store, warehouse_url):
    instance = DagsterInstance.ephemeral()
    store(opportunity("cargo e-bike", 6.2), opportunity("e-bike tax credit", 2.1, rank=2))
    result, _ = tick(instance, warehouse_url)
    assert isinstance(result, SensorResult)
    assert [r.run_key for r in result.run_requests] == ["cargo-e-bike:2026-05-04"]
    assert result.run_requests[0].partition_key == "cargo-e-bike"
    assert [k.to_user_string() for k in result.run_requests[0].asset_selection] == ["topic_brief"]
    assert result.dynamic_partitions_requests[0].partition_keys == ["cargo-e-bike"]

    instance.add_dynamic_partitions("topics", ["cargo-e-bike"])
    store(opportunity("cargo e-bike", 7.0, as_of=DAY + timedelta(days=1), spike=DAY))  # same spike, next day
    second, _ = tick(instance, warehouse_url, cursor=result.cursor)
    assert isinstance(second, SkipReason) and "none new" in second.skip_message

    store(opportunity("cargo e-bike", 5.0, as_of=DAY + timedelta(days=40), spike=DAY + timedelta(days=39)))
    later, _ = tick(instance, warehouse_url, cursor=result.cursor)
    assert [r.run_key for r in later.run_requests] == ["cargo-e-bike:2026-06-12"]
    assert later.dynamic_partitions_requests == []  # the partition exists already


def test_restart_with_the_stored_cursor_does_not_retrigger(store, warehouse_url):
    store(opportunity("cargo e-bike", 6.2))
    first, _ = tick(DagsterInstance.ephemeral(), warehouse_url)
    stored = first.cursor
    assert json.loads(stored)["seen"] == {"cargo-e-bike:2026-05-04": "2026-05-04"}
    after_restart, _ = tick(DagsterInstance.ephemeral(), warehouse_url, cursor=stored)
    assert isinstance(after_restart, SkipReason)


def test_a_failing_read_is_a_skip_not_an_exception(warehouse_url, tmp_path):
    bad_brand = tmp_path / "brand.yaml"
    bad_brand.write_text("name: [unclosed")
    result, _ = tick(DagsterInstance.ephemeral(), warehouse_url, brand_path=bad_brand)
    assert isinstance(result, SkipReason) and "could not read trend opportunities" in result.skip_message


def test_unreadable_cursor_falls_back_to_run_keys(store, warehouse_url):
    store(opportunity("cargo e-bike", 6.2))
    result, _ = tick(DagsterInstance.ephemeral(), warehouse_url, cursor="not json")
    assert [r.run_key for r in result.run_requests] == ["cargo-e-bike:2026-05-04"]


def test_daily_schedule_asks_for_yesterdays_snapshot_partition():
    from datetime import UTC, datetime

    from dagster import Definitions, build_schedule_context

    from marketing_engine.assets.trends import trend_snapshots
    from marketing_engine.resources import build_resources
    from marketing_engine.schedules import trend_snapshots_daily

    defs = Definitions(
        assets=[trend_snapshots], schedules=[trend_snapshots_daily], resources=build_resources("local")
    )
    context = build_schedule_context(
        scheduled_execution_time=datetime(2026, 5, 5, 6, tzinfo=UTC), repository_def=defs.get_repository_def()
    )
    [request] = trend_snapshots_daily.evaluate_tick(context).run_requests
    assert (request.partition_key, request.run_key) == ("2026-05-04", "trend_snapshots:2026-05-04")


def test_runs_also_target_the_video_assets_partitioned_by_topic(store, warehouse_url):
    from dagster import Definitions, asset

    from marketing_engine.assets.partitions import topics_partitions
    from marketing_engine.assets.trends import topic_brief
    from marketing_engine.resources.media_store import MediaStoreResource

    @asset(group_name="video", partitions_def=topics_partitions)
    def topic_video() -> None: ...

    @asset(group_name="video")
    def video_dna() -> None: ...  # not partitioned by topic: cannot take a topic run

    resources = {
        "brand": BrandResource(path=str(EXAMPLE_BRAND)),
        "warehouse": WarehouseResource(url=warehouse_url),
    }
    defs = Definitions(
        assets=[topic_brief, topic_video, video_dna],
        sensors=[trend_spike_sensor],
        resources={**resources, "media_store": MediaStoreResource()},
    )
    store(opportunity("cargo e-bike", 6.2))
    context = build_sensor_context(
        instance=DagsterInstance.ephemeral(), resources=resources, repository_def=defs.get_repository_def()
    )
    [request] = trend_spike_sensor(context).run_requests
    assert sorted(k.to_user_string() for k in request.asset_selection) == ["topic_brief", "topic_video"]


def test_a_breakout_triggers_once_more_under_its_own_run_key(store, warehouse_url):
    instance = DagsterInstance.ephemeral()
    store(opportunity("cargo e-bike", 6.2))
    first, _ = tick(instance, warehouse_url)
    instance.add_dynamic_partitions("topics", ["cargo-e-bike"])
    # Three weeks on the rise has held: the stage is breakout and its score (against the new level) is low.
    later = DAY + timedelta(days=20)
    row = opportunity("cargo e-bike", 0.4, as_of=later, spike=DAY)
    store({**row, "lifecycle": "breakout"})
    second, _ = tick(instance, warehouse_url, cursor=first.cursor)
    assert [r.run_key for r in second.run_requests] == ["cargo-e-bike:breakout:2026-05-04"]
    assert second.run_requests[0].tags["marketing_engine/event"] == "breakout"
    third, _ = tick(instance, warehouse_url, cursor=second.cursor)
    assert isinstance(third, SkipReason)
