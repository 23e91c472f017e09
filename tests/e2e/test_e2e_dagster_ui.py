"""End to end against a real Dagster UI: webserver + daemon on PostgreSQL, a run launched through
GraphQL and dequeued by the daemon, its rows in PostgreSQL, the asset graph in headless Chromium, and
the daemon's own work: a sensor that fires and a schedule tick, with the rows their runs write.

Under CI a missing Chromium or PostgreSQL fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance
from dagster._core.scheduler.instigation import InstigatorStatus  # no public API dates a schedule's start
from needs import unavailable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks._drill import seed_posts
from marketing_engine.assets.brand import campaign_rows
from marketing_engine.brand import load_brand
from marketing_engine.publishing.platforms import registry
from marketing_engine.schedules import publish_due_posts_every_5_minutes as publish_schedule
from marketing_engine.sensors.automation import automation_condition_sensor
from marketing_engine.settings import EXAMPLE_BRAND, PROJECT_ROOT, sqlite_url
from marketing_engine.warehouse import Warehouse

pytestmark = pytest.mark.e2e

VENV_BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PG_ADMIN_URL = os.environ.get(
    "MARKETING_ENGINE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
FOUNDATION_ASSETS = ["brand_profile", "campaigns"]
RUN_TIMEOUT_S = 120
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
# How long the daemon "was down" for the publishing test: one period of the publishing schedule, so
# it missed one of its ticks (*/5: every window of five minutes holds one).
DAEMON_DOWNTIME_S = 5 * 60
SEEDED_POST_PLATFORM, SEEDED_POST_REF = "linkedin", "drill:0"  # what seed_posts writes for one post


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """A background process in its own session, so the whole group (code servers too) stops."""

    name: str
    log: Path
    process: subprocess.Popen = field(repr=False)

    @classmethod
    def start(cls, name: str, argv: list[str], env: dict[str, str], log: Path) -> Service:
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return cls(name, log, process)

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass  # the whole group is gone already

    @staticmethod
    def stop_all(services: list[Service], timeout: float = 15.0) -> None:
        """SIGTERM every group at once (each takes seconds to shut down), SIGKILL what outlives it."""
        for service in services:
            service.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in services:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            service.signal_group(signal.SIGKILL)  # also code servers and run workers left in the group
            service.process.wait(timeout=timeout)

    def tail(self, lines: int = 60) -> str:
        content = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(content[-lines:])


@dataclass
class DagsterStack:
    base_url: str
    dagster_home: Path
    dagster_pg_url: str
    engine_home: Path
    services: list[Service]

    def logs(self) -> str:
        return "\n".join(service.tail() for service in self.services)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.load(response)
        assert "errors" not in payload, f"GraphQL errors: {payload['errors']}\n{self.logs()}"
        return payload["data"]


@pytest.fixture(scope="module")
def dagster_database() -> Iterator[str]:
    """A database of its own: the Dagster schema has an `alembic_version` table, as has the warehouse."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"me_e2e_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        admin.dispose()
        unavailable(f"PostgreSQL at {make_url(PG_ADMIN_URL)!r} is unreachable: {exc}")
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@contextmanager
def _dagster_instance(dagster_home: Path, pg_url: str) -> Iterator[DagsterInstance]:
    """The stack's instance, opened from this process (the first open builds the schema)."""
    before = os.environ.get("DAGSTER_PG_URL")
    os.environ["DAGSTER_PG_URL"] = pg_url  # the copied dagster.yaml reads it from the environment
    instance = DagsterInstance.from_config(str(dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()
        if before is None:
            os.environ.pop("DAGSTER_PG_URL")
        else:
            os.environ["DAGSTER_PG_URL"] = before


def _wait_until_up(stack: DagsterStack, webserver: Service, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if webserver.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {webserver.process.returncode}\n{stack.logs()}")
        try:
            with urllib.request.urlopen(f"{stack.base_url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"dagster-webserver did not answer /server_info within {timeout} s\n{stack.logs()}")


def _seed_a_due_post(engine_home: Path) -> None:
    """One approved LinkedIn post of the example brand, due a minute ago, in the stack's warehouse
    (created and migrated here, as the first run would)."""
    warehouse = Warehouse(sqlite_url(engine_home / "warehouse.sqlite"))
    try:
        seed_posts(warehouse, 1, brand=load_brand(EXAMPLE_BRAND).slug)
    finally:
        warehouse.dispose()


INSTIGATORS = """
query Instigators($schedule: ScheduleSelector!, $sensor: SensorSelector!) {
  scheduleOrError(scheduleSelector: $schedule) {
    __typename
    ... on Schedule { scheduleState { id status ticks(limit: 20) { tickId status timestamp runIds } } }
    ... on PythonError { message }
  }
  sensorOrError(sensorSelector: $sensor) {
    __typename
    ... on Sensor { sensorState { id status } }
    ... on PythonError { message }
  }
}
"""

SWITCH_OFF = """
mutation SwitchOff($schedule: String!, $sensor: String!) {
  stopRunningSchedule(id: $schedule) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
  stopSensor(id: $sensor) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""


def _instigator_states(stack: DagsterStack) -> tuple[dict, dict]:
    """The publishing schedule's state (with its latest ticks) and the automation sensor's."""
    location = {"repositoryLocationName": _location_name(stack), "repositoryName": "__repository__"}
    found = stack.graphql(
        INSTIGATORS,
        {
            "schedule": location | {"scheduleName": publish_schedule.name},
            "sensor": location | {"sensorName": automation_condition_sensor.name},
        },
    )
    schedule, sensor = found["scheduleOrError"], found["sensorOrError"]
    assert (schedule["__typename"], sensor["__typename"]) == ("Schedule", "Sensor"), found
    return schedule["scheduleState"], sensor["sensorState"]


def _switch_off_what_races_the_publishing_test(stack: DagsterStack) -> None:
    """Before the daemon starts, stop through GraphQL, as the UI's toggles do:
    - the publishing schedule: no tick publishes the seeded post before the publishing test asks
      for one (this also stores the schedule's state, which one running by default has not yet);
    - the automation condition sensor: its content calendar run parks every scheduled post that
      is in no plan, the seeded one too, and its runs (copy, calendar, signals, keywords) load two
      cores for nothing a test here looks at."""
    schedule, sensor = _instigator_states(stack)
    stopped = stack.graphql(SWITCH_OFF, {"schedule": schedule["id"], "sensor": sensor["id"]})
    assert stopped == {
        "stopRunningSchedule": {"__typename": "ScheduleStateResult", "scheduleState": {"status": "STOPPED"}},
        "stopSensor": {"__typename": "StopSensorMutationResult", "instigationState": {"status": "STOPPED"}},
    }, stopped


def _switch_publishing_on_as_if_the_daemon_was_down(stack: DagsterStack) -> None:
    """Mark the publishing schedule running since DAEMON_DOWNTIME_S ago and not evaluated since: a
    deployment whose daemon was down over its last tick. The daemon's scheduler evaluates a running
    schedule for every cron time between its start (or last evaluation) and now, so its next pass
    (once a minute) catches that tick up: the real tick of a real schedule, with no wait for the next
    five-minute boundary and no knob in the product.

    First waits until the daemon has seen the schedule stopped: its one checkpoint of a stopped
    schedule's state would otherwise overwrite this one."""
    name, deadline = publish_schedule.name, time.monotonic() + RUN_TIMEOUT_S
    with _dagster_instance(stack.dagster_home, stack.dagster_pg_url) as instance:
        while True:
            (stored,) = [s for s in instance.all_instigator_state() if s.instigator_name == name]
            if stored.instigator_data.last_iteration_timestamp:
                break
            if time.monotonic() > deadline or stack.services[-1].process.poll() is not None:
                pytest.fail(f"the daemon never looked at {name}\n{stack.logs()}")
            time.sleep(1)
        data = stored.instigator_data._replace(
            start_timestamp=time.time() - DAEMON_DOWNTIME_S, last_iteration_timestamp=None
        )
        instance.update_instigator_state(stored.with_status(InstigatorStatus.RUNNING).with_data(data))


@pytest.fixture(scope="module")
def dagster_stack(tmp_path_factory: pytest.TempPathFactory, dagster_database: str) -> Iterator[DagsterStack]:
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    root = tmp_path_factory.mktemp("e2e")
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.postgres.yaml", dagster_home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETING_ENGINE_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(dagster_home),
        DAGSTER_PG_URL=dagster_database,
        MARKETING_ENGINE_HOME=str(root / "engine_home"),
        MARKETING_ENGINE_ENV="local",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    with _dagster_instance(dagster_home, dagster_database):
        pass  # builds the schema once, before webserver and daemon race each other to create it
    port = _free_port()
    location = ["-m", "marketing_engine.definitions", "-d", str(PROJECT_ROOT)]
    services: list[Service] = []
    stack = DagsterStack(
        f"http://127.0.0.1:{port}", dagster_home, dagster_database, root / "engine_home", services
    )
    try:
        webserver_argv = [str(VENV_BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), *location]
        services.append(Service.start("dagster-webserver", webserver_argv, env, root / "webserver.log"))
        _seed_a_due_post(stack.engine_home)  # while the webserver starts
        _wait_until_up(stack, services[0])
        _switch_off_what_races_the_publishing_test(stack)
        daemon_argv = [str(VENV_BIN / "dagster-daemon"), "run", *location]
        services.append(Service.start("dagster-daemon", daemon_argv, env, root / "daemon.log"))
        yield stack
    finally:
        Service.stop_all(services)
        print(stack.logs())  # shown by pytest only when a test failed


LOCATIONS = """
query {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { name repositories { name } }
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_STATUS = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status }
    ... on PythonError { message }
  }
}
"""


def _location_name(stack: DagsterStack) -> str:
    workspace = stack.graphql(LOCATIONS)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace
    (entry,) = workspace["locationEntries"]
    loaded = entry["locationOrLoadError"]
    assert loaded["__typename"] == "RepositoryLocation", f"{loaded}\n{stack.logs()}"
    assert [repo["name"] for repo in loaded["repositories"]] == ["__repository__"]
    return entry["name"]


def _launch_foundation_run(stack: DagsterStack, location: str) -> str:
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": [name]} for name in FOUNDATION_ASSETS],
        },
        "executionMetadata": {"tags": [{"key": "launched_by", "value": "e2e-test"}]},
        # One run worker instead of a subprocess per step: the same run, ~25 s less on 2 loaded cores.
        "runConfigData": {"execution": {"config": {"in_process": {}}}},
    }
    result = stack.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", f"{result}\n{stack.logs()}"
    return result["run"]["runId"]


def _wait_for_run(stack: DagsterStack, run_id: str) -> tuple[str, list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        run = stack.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", run
        if not seen or seen[-1] != run["status"]:
            seen.append(run["status"])
        if run["status"] in FINISHED:
            return run["status"], seen
        time.sleep(1)
    pytest.fail(f"run {run_id} not finished after {RUN_TIMEOUT_S} s (statuses {seen})\n{stack.logs()}")


@dataclass
class FoundationRun:
    location: str
    run_id: str
    statuses: list[str]


@pytest.fixture(scope="module")
def foundation_run(dagster_stack: DagsterStack) -> FoundationRun:
    """brand_profile + campaigns launched through GraphQL, queued, dequeued by the daemon, finished."""
    location = _location_name(dagster_stack)
    run_id = _launch_foundation_run(dagster_stack, location)
    status, seen = _wait_for_run(dagster_stack, run_id)
    assert status == "SUCCESS", f"statuses {seen}\n{dagster_stack.logs()}"
    return FoundationRun(location, run_id, seen)


def test_run_launched_through_graphql_lands_in_postgres_and_the_warehouse(
    dagster_stack: DagsterStack, foundation_run: FoundationRun
) -> None:
    run_id = foundation_run.run_id
    assert foundation_run.statuses[0] in ("QUEUED", "NOT_STARTED"), foundation_run.statuses
    assert foundation_run.statuses[-1] == "SUCCESS"
    engine = create_engine(dagster_stack.dagster_pg_url)
    try:
        with engine.connect() as connection:
            run_row = connection.execute(
                text("SELECT status, pipeline_name FROM runs WHERE run_id = :id"), {"id": run_id}
            ).one()
            events = connection.execute(
                text("SELECT dagster_event_type, asset_key FROM event_logs WHERE run_id = :id"),
                {"id": run_id},
            ).all()
    finally:
        engine.dispose()
    assert tuple(run_row) == ("SUCCESS", "__ASSET_JOB")
    event_types = [event_type for event_type, _ in events]
    # Stored under their legacy names (PIPELINE_ENQUEUED ...): compare through the enum.
    for expected in (
        DagsterEventType.RUN_ENQUEUED,  # the QueuedRunCoordinator queued it ...
        DagsterEventType.RUN_STARTING,  # ... and the daemon dequeued and launched it
        DagsterEventType.RUN_START,
        DagsterEventType.STEP_SUCCESS,
        DagsterEventType.RUN_SUCCESS,
    ):
        assert expected.value in event_types, (
            f"{expected} missing from {sorted(set(filter(None, event_types)))}"
        )
    materialized = {key for event_type, key in events if event_type == "ASSET_MATERIALIZATION"}
    assert {json.loads(key)[0] for key in materialized} == set(FOUNDATION_ASSETS)
    assert DagsterEventType.ASSET_CHECK_EVALUATION.value in event_types

    expected_campaigns = len(campaign_rows(load_brand(EXAMPLE_BRAND)))
    with closing(sqlite3.connect(dagster_stack.engine_home / "warehouse.sqlite")) as warehouse:
        (active,) = warehouse.execute("SELECT count(*) FROM campaigns WHERE status = 'active'").fetchone()
    assert active == expected_campaigns > 0


def test_asset_graph_shows_the_materialized_foundation_assets(
    dagster_stack: DagsterStack, foundation_run: FoundationRun, tmp_path: Path
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect, sync_playwright

    location = foundation_run.location
    screenshot = tmp_path / "asset_graph.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{dagster_stack.base_url}/locations/{location}/asset-groups/foundation")
            # Asset nodes are HTML inside the graph's SVG <foreignObject>s: the sidebar does not count.
            nodes = {
                name: page.locator("foreignObject").filter(has=page.get_by_text(name, exact=True)).first
                for name in FOUNDATION_ASSETS
            }
            expect(nodes["brand_profile"]).to_be_visible(timeout=30000)
            skip = page.get_by_role("button", name="Skip")
            try:  # the "Join the Dagster community" modal of a first visit shows up a moment after the page
                skip.wait_for(state="visible", timeout=3000)
                skip.click()
                print("dismissed the community modal")
            except PlaywrightTimeoutError:
                pass
            for node in nodes.values():
                expect(node).to_be_visible(timeout=10000)
                # not "Never materialized"; the daemon's brand_file_changes sensor may be re-reading the
                # brand on a fresh deployment ("Materializing..."), so give its short run time to end
                expect(node).to_contain_text("Materialized", timeout=120000)
            expect(nodes["campaigns"]).to_contain_text("1 / 1 Passed")  # its blocking asset check
            expect(page.get_by_role("button", name="Skip")).to_have_count(0)
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    print(f"asset graph screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000


RUNS_BY_TAG = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status tags { key value } } }
    ... on PythonError { message }
  }
}
"""


def _runs_tagged(stack: DagsterStack, key: str, value: str) -> list[dict]:
    """The runs with this tag, newest first."""
    runs = stack.graphql(RUNS_BY_TAG, {"filter": {"tags": [{"key": key, "value": value}]}})
    assert runs["runsOrError"]["__typename"] == "Runs", runs
    return runs["runsOrError"]["results"]


def test_the_daemon_fires_the_catch_up_sensor_and_its_run_writes_the_snapshots(
    dagster_stack: DagsterStack, foundation_run: FoundationRun
) -> None:
    """On a fresh deployment the daemon ticks `daily_catch_up` (running by default): it asks for
    one run over the 30 missing snapshot days, the daemon launches it, and its rows land."""
    deadline = time.monotonic() + RUN_TIMEOUT_S * 2
    snapshot_runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = _runs_tagged(dagster_stack, "dagster/sensor_name", "daily_catch_up")
        snapshot_runs = [
            run for run in runs if any(t["value"].startswith("trend_snapshots:") for t in run["tags"])
        ]
        if snapshot_runs and snapshot_runs[0]["status"] in FINISHED:
            break
        time.sleep(2)
    assert len(snapshot_runs) == 1, f"{snapshot_runs}\n{dagster_stack.logs()}"
    (run,) = snapshot_runs
    assert run["status"] == "SUCCESS", f"{run}\n{dagster_stack.logs()}"
    tags = {t["key"]: t["value"] for t in run["tags"]}
    first, last = tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]
    assert tags["dagster/run_key"] == f"trend_snapshots:{first}...{last}"
    with closing(sqlite3.connect(dagster_stack.engine_home / "warehouse.sqlite")) as warehouse:
        days = warehouse.execute("SELECT count(DISTINCT day), count(*) FROM trend_data").fetchone()
    assert days[0] >= 30 and days[1] > 30, days


RUN_MATERIALIZATIONS = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      assetMaterializations {
        assetKey { path }
        metadataEntries { label ... on IntMetadataEntry { intValue } }
      }
    }
    ... on PythonError { message }
  }
}
"""


def _published_counts(stack: DagsterStack, run_id: str) -> dict[str, int]:
    """Asset name -> its `published` metadata, for each asset the run materialized."""
    run = stack.graphql(RUN_MATERIALIZATIONS, {"runId": run_id})["runOrError"]
    assert run["__typename"] == "Run", run
    return {
        "/".join(event["assetKey"]["path"]): entry["intValue"]
        for event in run["assetMaterializations"]
        for entry in event["metadataEntries"]
        if entry["label"] == "published"
    }


def test_the_daemon_catches_up_the_missed_publishing_tick_and_its_run_publishes_the_due_post(
    dagster_stack: DagsterStack,
) -> None:
    """The publishing schedule comes back on after its last tick went by: the daemon's next scheduler
    pass ticks it for that time, launches the publish run, and that run moves the approved, due post
    to published, exactly once, in the local outbox."""
    name = publish_schedule.name
    _switch_publishing_on_as_if_the_daemon_was_down(dagster_stack)
    # up to a minute to the daemon's next pass, then ten steps of a subprocess each (~1 min when the
    # machine is idle; several on two loaded cores)
    deadline = time.monotonic() + RUN_TIMEOUT_S * 3
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = _runs_tagged(dagster_stack, "dagster/schedule_name", name)
        if runs and runs[-1]["status"] in FINISHED:  # the oldest: later five-minute ticks come after it
            break
        time.sleep(2)
    assert runs, f"the daemon launched no run of {name}\n{dagster_stack.logs()}"
    caught_up = runs[-1]
    assert caught_up["status"] == "SUCCESS", f"{caught_up}\n{dagster_stack.logs()}"

    tags = {t["key"]: t["value"] for t in caught_up["tags"]}
    assert tags["dagster/schedule_name"] == name
    schedule, _ = _instigator_states(dagster_stack)
    (tick,) = [t for t in schedule["ticks"] if caught_up["runId"] in t["runIds"]]
    assert (tick["status"], tick["tickId"]) == ("SUCCESS", tags["dagster/tick"]), tick
    tick_time = datetime.fromtimestamp(tick["timestamp"], UTC)
    assert tick_time.minute % 5 == 0 and tick_time.second == 0, tick_time  # a boundary of */5

    published = _published_counts(dagster_stack, caught_up["runId"])
    expected = {f"published_posts_{p}": int(p == SEEDED_POST_PLATFORM) for p in registry()}
    assert published == expected, published  # one step per platform, one post published
    with closing(sqlite3.connect(dagster_stack.engine_home / "warehouse.sqlite")) as warehouse:
        rows = warehouse.execute(
            "SELECT state, attempts, published_at, platform_url, idempotency_key, body FROM social_posts "
            "WHERE content_ref = ?",
            (SEEDED_POST_REF,),
        ).fetchall()
    ((post_state, attempts, published_at, url, key, body),) = rows
    assert (post_state, attempts) == ("published", 1) and published_at, rows
    outbox = dagster_stack.engine_home / "outbox" / SEEDED_POST_PLATFORM / f"{key}.json"
    assert url == outbox.as_uri()
    document = json.loads(outbox.read_text(encoding="utf-8"))
    assert (document["idempotency_key"], document["text"]) == (key, body)
