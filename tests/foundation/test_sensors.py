"""The sensors and schedules that start the engine by themselves: the brand file's changes, the
keyword clusters' pages, publishing only where it is allowed, and alerts on failed runs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from dagster import (
    AssetCheckResult,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    RunRequest,
    SensorResult,
    SkipReason,
    asset,
    asset_check,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
    define_asset_job,
    materialize,
)

from marketing_engine.assets.brand import brand_profile, campaigns
from marketing_engine.resources.brand import BrandResource
from marketing_engine.resources.warehouse import WarehouseResource
from marketing_engine.settings import EXAMPLE_BRAND, publishing_blocked
from marketing_engine.warehouse import Warehouse, upsert
from marketing_engine.warehouse.models import ContentCluster

DATA_VERSION = "dagster/data_version"


@pytest.fixture
def brand_file(tmp_path: Path) -> Path:
    path = tmp_path / "brand.yaml"
    path.write_bytes(EXAMPLE_BRAND.read_bytes())
    return path


def _data_versions(result) -> dict[str, str]:
    return {
        event.asset_key.to_user_string(): event.materialization.tags[DATA_VERSION]
        for event in result.get_asset_materialization_events()
    }


# --- the brand file ------------------------------------------------------------------------------


def test_an_unchanged_brand_file_is_no_change_and_an_edit_is_one(brand_file: Path, tmp_path: Path) -> None:
    import hashlib

    from marketing_engine.sensors.brand import brand_file_changes

    instance = DagsterInstance.ephemeral()
    resources = {
        "brand": BrandResource(path=str(brand_file)),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
    }

    def tick():
        return brand_file_changes(build_sensor_context(instance=instance, resources=resources))

    first = tick()
    assert isinstance(first, RunRequest) and first.asset_selection == [AssetKey("brand_profile")]
    made = materialize([brand_profile, campaigns], resources=resources, instance=instance)
    versions = _data_versions(made)
    assert versions["brand_profile"] == hashlib.sha256(brand_file.read_bytes()).hexdigest()
    assert isinstance(tick(), SkipReason)  # the file is what brand_profile was made from

    again = _data_versions(materialize([brand_profile, campaigns], resources=resources, instance=instance))
    assert again == versions  # re-reading the same bytes changes nothing downstream either

    brand_file.write_bytes(brand_file.read_bytes() + b"\n# edited\n")
    edited = tick()
    assert isinstance(edited, RunRequest) and edited.run_key != first.run_key
    changed = _data_versions(materialize([brand_profile, campaigns], resources=resources, instance=instance))
    assert changed["brand_profile"] != versions["brand_profile"]
    assert changed["campaigns"] != versions["campaigns"]


def test_a_missing_brand_file_skips_and_names_it(tmp_path: Path) -> None:
    from marketing_engine.sensors.brand import brand_file_changes

    missing = tmp_path / "nowhere.yaml"
    result = brand_file_changes(
        build_sensor_context(
            instance=DagsterInstance.ephemeral(), resources={"brand": BrandResource(path=str(missing))}
        )
    )
    assert isinstance(result, SkipReason) and str(missing) in result.skip_message


# --- keyword clusters → pages --------------------------------------------------------------------


def test_new_clusters_become_partitions_and_the_largest_get_pages_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketing_engine.sensors.seo import keyword_cluster_pages

    monkeypatch.setenv("MARKETING_ENGINE_SEO_CLUSTERS", "2")
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    brand = BrandResource(path=str(EXAMPLE_BRAND))
    warehouse = Warehouse(url)
    with warehouse.session() as session:
        upsert(
            session,
            ContentCluster,
            [
                {"brand": brand.slug, "slug": slug, "name": slug, "hub_keyword": slug, "size": size}
                for slug, size in [("small", 3), ("largest", 40), ("middle", 12)]
            ],
            keys=["brand", "slug"],
        )
    warehouse.dispose()
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("keyword_clusters", ["gone"])
    resources = {"brand": brand, "warehouse": WarehouseResource(url=url)}

    def tick(cursor: str | None = None):
        return keyword_cluster_pages(
            build_sensor_context(instance=instance, resources=resources, cursor=cursor)
        )

    assert isinstance(tick(), SkipReason)  # keyword_clusters never ran
    instance.report_runless_asset_event(AssetMaterialization("keyword_clusters"))
    result = tick()
    assert isinstance(result, SensorResult)
    [added, deleted] = result.dynamic_partitions_requests
    assert (sorted(added.partition_keys), deleted.partition_keys) == (
        ["largest", "middle", "small"],
        ["gone"],
    )
    assert [(r.partition_key, r.asset_selection) for r in result.run_requests] == [
        ("largest", [AssetKey("page_briefs"), AssetKey("programmatic_pages")]),
        ("middle", [AssetKey("page_briefs"), AssetKey("programmatic_pages")]),
    ]
    assert len({r.run_key for r in result.run_requests}) == 2

    # pages already written after that materialization (say by `make run`) are not asked for again
    instance.add_dynamic_partitions("keyword_clusters", ["largest", "middle", "small"])
    instance.report_runless_asset_event(AssetMaterialization("programmatic_pages", partition="largest"))
    redo = tick()
    assert [r.partition_key for r in redo.run_requests] == ["middle"]
    assert isinstance(tick(cursor=result.cursor), SkipReason)  # nothing new since


# --- publishing only where it is allowed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "switch", "blocked"),
    [
        ("local", None, False),
        ("local", "off", False),
        ("prod", None, True),
        ("prod", "off", True),
        ("prod", "on", False),
    ],
)
def test_publishing_is_blocked_in_prod_unless_switched_on(
    monkeypatch: pytest.MonkeyPatch, env: str, switch: str | None, blocked: bool
) -> None:
    from marketing_engine.schedules import publish_due_posts_every_5_minutes

    monkeypatch.setenv("MARKETING_ENGINE_ENV", env)
    if switch is None:
        monkeypatch.delenv("MARKETING_ENGINE_PUBLISHING", raising=False)
    else:
        monkeypatch.setenv("MARKETING_ENGINE_PUBLISHING", switch)
    assert (publishing_blocked() is not None) is blocked
    data = publish_due_posts_every_5_minutes.evaluate_tick(build_schedule_context())
    if blocked:
        assert not data.run_requests and "MARKETING_ENGINE_PUBLISHING=on" in data.skip_message
    else:
        assert len(data.run_requests) == 1


def test_a_misspelt_publishing_switch_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETING_ENGINE_PUBLISHING", "yes")
    with pytest.raises(ValueError, match="MARKETING_ENGINE_PUBLISHING='yes'"):
        publishing_blocked()


def _site_build(instance: DagsterInstance, gates_pass: bool) -> None:
    """A stand-in static_site build, with a blocking gate, in a run of its own."""

    @asset(name="static_site")
    def site() -> None:
        return None

    @asset_check(asset=site, blocking=True)
    def gate() -> AssetCheckResult:
        return AssetCheckResult(passed=gates_pass)

    materialize([site, gate], instance=instance, raise_on_error=False)


def test_the_site_is_published_once_per_build_that_passed_its_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    from marketing_engine.sensors.publishing import publish_site

    instance = DagsterInstance.ephemeral()

    def tick():
        return publish_site(build_sensor_context(instance=instance))

    assert "not been built" in tick().skip_message
    _site_build(instance, gates_pass=False)
    assert "blocking quality gate failed" in tick().skip_message
    _site_build(instance, gates_pass=True)
    request = tick()
    assert isinstance(request, RunRequest) and request.asset_selection == [AssetKey("published_pages")]
    instance.report_runless_asset_event(AssetMaterialization("published_pages"))
    assert "is published" in tick().skip_message
    _site_build(instance, gates_pass=True)
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    assert "MARKETING_ENGINE_PUBLISHING=on" in tick().skip_message


def test_a_click_in_a_prod_ui_publishes_nothing_with_the_switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster import Failure

    from marketing_engine.assets.publishing import PUBLISH_ASSET_KEYS
    from marketing_engine.definitions import build_definitions

    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")
    defs = build_definitions("local")  # offline backends: the switch must stop it before any of them
    job = defs.resolve_implicit_global_asset_job_def()
    for key in [AssetKey("published_pages"), PUBLISH_ASSET_KEYS[0]]:
        result = job.execute_in_process(
            asset_selection=[key], instance=DagsterInstance.ephemeral(), raise_on_error=False
        )
        [failure] = result.get_step_failure_events()
        assert "MARKETING_ENGINE_PUBLISHING=on" in failure.step_failure_data.error.message, key
        assert Failure.__name__ in failure.step_failure_data.error.cls_name


# --- alerts on failed runs -----------------------------------------------------------------------


@asset
def breaks() -> None:
    raise ValueError("the provider said no\nsecond line of detail")


BREAKS_JOB = define_asset_job("breaks_job", selection=[breaks])


def _failure_context():
    from dagster import Definitions

    instance = DagsterInstance.ephemeral()
    job = Definitions(assets=[breaks], jobs=[BREAKS_JOB]).resolve_job_def("breaks_job")
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    return build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()


WEBHOOK = "https://hooks.example.test/services/T0/B0/secret"


@respx.mock
def test_a_failed_run_is_posted_to_the_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    from marketing_engine.sensors.alerts import run_failure_alert

    monkeypatch.setenv("MARKETING_ENGINE_ALERT_WEBHOOK", WEBHOOK)
    route = respx.post(WEBHOOK).mock(return_value=httpx.Response(200, text="ok"))
    context = _failure_context()
    run_failure_alert(context)
    assert route.call_count == 1
    text = json.loads(route.calls.last.request.content)["text"]
    assert "breaks_job" in text and context.dagster_run.run_id in text
    assert "`breaks`: " in text and "the provider said no" in text and "second line" not in text


@respx.mock
def test_no_webhook_set_means_no_post(monkeypatch: pytest.MonkeyPatch) -> None:
    from marketing_engine.sensors.alerts import run_failure_alert

    monkeypatch.delenv("MARKETING_ENGINE_ALERT_WEBHOOK", raising=False)
    route = respx.post(url__regex=r".*").mock(return_value=httpx.Response(200))
    run_failure_alert(_failure_context())
    assert route.call_count == 0


@respx.mock
def test_a_webhook_that_keeps_failing_fails_the_tick_after_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from marketing_engine.resources.http import ProviderError
    from marketing_engine.sensors.alerts import run_failure_alert

    monkeypatch.setenv("MARKETING_ENGINE_ALERT_WEBHOOK", WEBHOOK)
    route = respx.post(WEBHOOK).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(429, headers={"retry-after": "0"}),
            httpx.Response(500),
        ]
    )
    with pytest.raises(ProviderError, match="alert webhook"):
        run_failure_alert(_failure_context())
    assert route.call_count == 3


def test_the_alert_text_keeps_to_five_steps_and_first_lines() -> None:
    from marketing_engine.sensors.alerts import alert_text

    steps = [(f"step_{i}", f"error {i}\ntraceback") for i in range(7)]
    text = alert_text("analytics", "abc123", "", steps, "2026-01-02")
    assert "(partition 2026-01-02)" in text and "traceback" not in text
    assert text.count("• ") == 5 and "2 more failed steps" in text


def test_the_reconciler_requeues_but_starts_no_publish_run_while_publishing_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from marketing_engine.publishing.calendar import PlannedPost
    from marketing_engine.publishing.platforms import Draft
    from marketing_engine.publishing.queue import claim_due, sync_calendar
    from marketing_engine.resources import local_resources
    from marketing_engine.sensors.publishing import publish_reconciler
    from marketing_engine.warehouse.models import SocialPost

    resources = {
        **local_resources(),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'w.sqlite'}"),
    }
    warehouse = resources["warehouse"].get()
    now = datetime.now(UTC)
    draft = Draft(platform="linkedin", content_ref="page:1", variant="main", fields={"text": "hello"})
    with warehouse.session() as session:
        sync_calendar(
            session, "kestrel-cycles", [PlannedPost(draft, now - timedelta(hours=1))], approval_required=False
        )
        claim_due(session, now, claimed_at=now - timedelta(hours=1))  # a worker that died an hour ago
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "prod")  # the backends stay offline: only the switch is tested
    outcome = publish_reconciler(
        build_sensor_context(instance=DagsterInstance.ephemeral(), resources=resources)
    )
    assert isinstance(outcome, SkipReason)
    assert "requeued 1" in outcome.skip_message and "MARKETING_ENGINE_PUBLISHING=on" in outcome.skip_message
    with warehouse.session() as session:
        assert session.scalar(select(SocialPost.state)) == "scheduled"  # due again, for when it is on


def test_an_alert_never_carries_a_database_password():
    from marketing_engine.sensors.alerts import alert_text

    error = "OperationalError: could not connect to postgresql+psycopg2://postgres:s3cret-pw@db:5432/engine"
    text = alert_text("analytics_job", "run-1", "step failed", [("attribution_tables", error)], None)
    assert "s3cret-pw" not in text and "postgres:***@db:5432/engine" in text


def test_the_publish_schedule_starts_a_run_only_when_a_post_is_due(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every five minutes a run worker and a process per platform would start for nothing: the
    schedule asks the warehouse first, and skips while no approved post is due."""
    from datetime import UTC, datetime, timedelta

    from marketing_engine.publishing.calendar import PlannedPost
    from marketing_engine.publishing.platforms import Draft
    from marketing_engine.publishing.queue import sync_calendar
    from marketing_engine.schedules import publish_due_posts_every_5_minutes as schedule

    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    monkeypatch.setenv("MARKETING_ENGINE_WAREHOUSE_URL", url)
    monkeypatch.setenv("MARKETING_ENGINE_ENV", "local")
    now = datetime.now(UTC)
    warehouse = Warehouse(url)

    def plan(at: datetime) -> None:
        draft = Draft(platform="linkedin", content_ref="page:1", variant="main", fields={"text": "t"})
        with warehouse.session() as session:
            sync_calendar(session, "b", [PlannedPost(draft, at)], approval_required=False)

    def evaluate():
        return schedule.evaluate_tick(build_schedule_context())

    plan(now + timedelta(hours=1))  # approved, but not due yet
    data = evaluate()
    assert not data.run_requests and data.skip_message == "no approved post is due"
    plan(now - timedelta(minutes=1))
    assert len(evaluate().run_requests) == 1
    warehouse.dispose()
