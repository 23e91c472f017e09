"""The trends group end to end on the replay: snapshots → signals → opportunities → topic briefs."""

from __future__ import annotations

from datetime import date, timedelta

from dagster import DagsterInstance, build_sensor_context, materialize
from sqlalchemy import func, select

from marketing_engine.assets.trends import topic_brief, trend_opportunities, trend_signals, trend_snapshots
from marketing_engine.resources.trend_sources import InjectedSpikeConfig, TrendSourcesResource
from marketing_engine.sensors.trend_spikes import trend_spike_sensor
from marketing_engine.trends.replay_data import SOURCES
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import TrendData, TrendOpportunity, TrendSignal, TrendSourceStatus

AS_OF = date(2026, 3, 20)  # the conftest injects a cargo e-bike spike starting the day before


def _range(days: int) -> dict[str, str]:
    first = AS_OF - timedelta(days=days - 1)
    return {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": AS_OF.isoformat(),
    }


def test_three_weeks_to_ranked_opportunities_and_a_brief(trend_resources, warehouse_url, engine_home):
    instance = DagsterInstance.ephemeral()
    snapshots = materialize([trend_snapshots], resources=trend_resources, instance=instance, tags=_range(22))
    assert snapshots.success
    warehouse = Warehouse(warehouse_url)
    per_day = warehouse.count(TrendData) / 22
    profile = trend_resources["brand"].load()
    watched = len(profile.seed_topics) + len(profile.products)  # no keyword universe in this test
    assert per_day == len(SOURCES) * watched  # every source answered every topic on every day
    again = materialize(
        [trend_snapshots], resources=trend_resources, instance=instance, partition_key=AS_OF.isoformat()
    )
    assert again.success and warehouse.count(TrendData) == 22 * per_day  # upsert, no duplicates

    result = materialize([trend_signals, trend_opportunities], resources=trend_resources, instance=instance)
    assert result.success
    with warehouse.session() as session:
        cargo = session.scalars(select(TrendSignal).filter_by(topic="cargo e-bike", day=AS_OF)).one()
        top = session.scalars(
            select(TrendOpportunity).filter_by(as_of=AS_OF).order_by(TrendOpportunity.rank)
        ).first()
        outside = session.scalar(
            select(func.count())
            .select_from(TrendOpportunity)
            .where(TrendOpportunity.topic.not_in([*profile.seed_topics, *(p.name for p in profile.products)]))
        )
    assert cargo.spike_date == AS_OF - timedelta(days=1) and cargo.confirmed_score >= 3.5
    assert cargo.lifecycle == "emerging" and cargo.confirmations >= 4 and len(cargo.forecast) == 14
    assert top.topic == "cargo e-bike" and top.rank == 1 and "cargo e-bike" in top.reason
    assert outside == 0

    tick = trend_spike_sensor(build_sensor_context(instance=instance, resources=trend_resources))
    assert [request.partition_key for request in tick.run_requests] == [top.topic_key]
    for request in tick.dynamic_partitions_requests:  # applied as the daemon applies them
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    assert instance.get_dynamic_partitions("topics") == [top.topic_key]
    brief = materialize(
        [topic_brief], resources=trend_resources, instance=instance, partition_key=top.topic_key
    )
    assert brief.success
    text = (engine_home / "briefs" / f"{top.topic_key}.md").read_text()
    assert text.startswith("# Topic brief: cargo e-bike") and "Why now: spiking since" in text
    with warehouse.session() as session:
        assert session.scalars(select(TrendOpportunity).filter_by(id=top.id)).one().brief_key
    warehouse.dispose()


class _Broken:
    name = "x"

    def fetch(self, request):
        raise RuntimeError("HTTP 503 from api.x.com")


def test_a_failing_source_is_recorded_and_the_others_still_land(trend_resources, warehouse_url, monkeypatch):
    original = TrendSourcesResource.sources

    def with_broken_x(self):
        sources = original(self)
        sources["x"] = _Broken()
        sources["tiktok"] = None  # not configured
        return sources

    monkeypatch.setattr(TrendSourcesResource, "sources", with_broken_x)
    result = materialize(
        [trend_snapshots],
        resources=trend_resources,
        instance=DagsterInstance.ephemeral(),
        partition_key=AS_OF.isoformat(),
    )
    assert result.success
    warehouse = Warehouse(warehouse_url)
    with warehouse.session() as session:
        status = {s.source: (s.status, s.error) for s in session.scalars(select(TrendSourceStatus))}
        sources = set(session.scalars(select(TrendData.source).distinct()))
    assert status["x"] == ("failed", "RuntimeError: HTTP 503 from api.x.com")
    assert status["tiktok"][0] == "not_configured" and status["google_trends"][0] == "answered"
    assert sources == set(SOURCES) - {"x", "tiktok"}
    warehouse.dispose()


def test_signals_without_history_fail_with_the_reason(trend_resources):
    trend_resources["trend_sources"] = TrendSourcesResource(
        injected_spikes=[InjectedSpikeConfig(topic="cargo e-bike", days_ago=1)]
    )
    instance = DagsterInstance.ephemeral()
    assert materialize(
        [trend_snapshots], resources=trend_resources, instance=instance, tags=_range(5)
    ).success
    result = materialize([trend_signals], resources=trend_resources, instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "need 21 days of snapshots" in failure.event_specific_data.error.message
