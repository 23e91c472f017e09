"""End to end against a real Dagster UI: webserver + daemon on PostgreSQL, a run launched through
GraphQL and dequeued by the daemon, its rows in PostgreSQL, and the asset graph in headless Chromium.

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
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance
from needs import unavailable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketing_engine.assets.brand import campaign_rows
from marketing_engine.settings import EXAMPLE_BRAND, PROJECT_ROOT

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


def _create_dagster_schema(dagster_home: Path, pg_url: str) -> None:
    """Build the schema once, before webserver and daemon race each other to create it."""
    before = os.environ.get("DAGSTER_PG_URL")
    os.environ["DAGSTER_PG_URL"] = pg_url  # the copied dagster.yaml reads it from the environment
    try:
        DagsterInstance.from_config(str(dagster_home)).dispose()
    finally:
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
    _create_dagster_schema(dagster_home, dagster_database)
    port = _free_port()
    location = ["-m", "marketing_engine.definitions", "-d", str(PROJECT_ROOT)]
    services: list[Service] = []
    stack = DagsterStack(f"http://127.0.0.1:{port}", dagster_database, root / "engine_home", services)
    try:
        webserver_argv = [str(VENV_BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), *location]
        services.append(Service.start("dagster-webserver", webserver_argv, env, root / "webserver.log"))
        daemon_argv = [str(VENV_BIN / "dagster-daemon"), "run", *location]
        services.append(Service.start("dagster-daemon", daemon_argv, env, root / "daemon.log"))
        _wait_until_up(stack, services[0])
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
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
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

    from marketing_engine.brand import load_brand

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


def _sensor_runs(stack: DagsterStack, sensor: str) -> list[dict]:
    runs = stack.graphql(RUNS_BY_TAG, {"filter": {"tags": [{"key": "dagster/sensor_name", "value": sensor}]}})
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
        runs = _sensor_runs(dagster_stack, "daily_catch_up")
        snapshot_runs = [
            run for run in runs if any(t["value"].startswith("trend_snapshots:") for t in run["tags"])
        ]
        if snapshot_runs and snapshot_runs[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
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
