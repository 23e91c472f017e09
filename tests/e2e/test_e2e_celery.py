"""The celery executor end to end, as a multi-host deployment runs it (on one machine here):
webserver and daemon on a fresh PostgreSQL database (deploy/dagster.celery.yaml), the warehouse on
PostgreSQL, two Celery workers started by scripts/workers.sh (what `make workers` runs) on RabbitMQ
with results in Redis, and a run launched through GraphQL, queued and dequeued by the daemon.

The two workers consume different queues: `general1` Celery's default `dagster` queue, `crawler1`
(two processes) the `crawl` queue the crawler-pool assets are tagged for. So the run's steps are
executed by two distinct workers by routing, not by luck; which worker ran a step is read from the
event the worker writes when it takes the step. The `crawler` pool is set to 1 through GraphQL (as an
operator would in the UI): the worker could run two crawls at once and two crawls are ready together,
so only the pool, claimed by the run worker in the instance's database, keeps them apart. Step logs
go to S3 (moto_server) as deploy/dagster.celery.yaml says, and the warehouse rows are compared with
what the same assets write in one process.

Under CI an unreachable RabbitMQ, Redis or PostgreSQL fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, EventLogEntry
from moto_s3 import moto_server, s3_client
from needs import unavailable
from sqlalchemy import create_engine, select, text

from e2e.test_e2e_dagster_ui import (  # noqa: F401 - dagster_database: the fixture, used below
    LAUNCH_RUN,
    VENV_BIN,
    DagsterStack,
    Service,
    _dagster_instance,
    _free_port,
    _location_name,
    _wait_for_run,
    _wait_until_up,
    dagster_database,
)
from marketing_engine.definitions import build_definitions
from marketing_engine.execution import (
    BACKEND_ENV,
    BROKER_ENV,
    DEFAULT_BACKEND,
    DEFAULT_BROKER,
    EXECUTOR_SWITCH,
)
from marketing_engine.settings import PROJECT_ROOT, masked_url
from marketing_engine.warehouse.models import Base

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CRAWLER_POOL, CRAWLER_LIMIT = "crawler", 1
CRAWLS = ["link_prospects", "backlinks", "competitor_watch"]  # the assets in the crawler pool
# brand_profile, then two crawls ready together (link_prospects and competitor_watch need only the
# brand), backlinks after link_prospects; campaigns and its check beside them on the other worker.
ASSETS = ["brand_profile", "campaigns", *CRAWLS]
TOGETHER = ("link_prospects", "competitor_watch")
TABLES = ["campaigns", "link_prospects", "backlinks", "competitor_pages"]
# When a row was written differs between two runs; `reason` holds the resolver's own wording.
NOT_COMPARED = {"id", "created_at", "updated_at", "first_seen", "last_seen", "changed_at", "reason"}
HOST = socket.gethostname()  # what Celery puts for %h in a worker's name
GENERAL, CRAWLER = f"general1@{HOST}", f"crawler1@{HOST}"
WORKER_KEY = "Celery worker"  # dagster-celery's task reports the worker's name under this key
S3_SETTINGS = {
    "MARKETING_ENGINE_IO_BUCKET": "me-e2e-outputs",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}
COMPUTE_LOGS_PREFIX = "marketing-engine/compute-logs/"  # deploy/dagster.celery.yaml


def _check_services(broker: str, backend: str) -> None:
    """RabbitMQ answers a login and Redis a ping, or the test cannot run (fails under CI)."""
    import redis
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure means "no RabbitMQ here"
        unavailable(f"RabbitMQ at {masked_url(broker)} is unreachable: {exc}")
    try:
        redis.Redis.from_url(backend, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        unavailable(f"Redis at {masked_url(backend)} is unreachable: {exc}")


@contextmanager
def _own_vhost(broker: str) -> Iterator[str]:
    """The broker URL on a RabbitMQ virtual host of this test's own when rabbitmqctl can make one (so
    no other run of this test, or stale messages, share its queues); else the URL as given."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if os.environ.get(BROKER_ENV) or os.geteuid() != 0 or not os.access(ctl, os.X_OK):
        yield broker
        return
    vhost, user = f"me_e2e_{uuid.uuid4().hex[:8]}", urlsplit(broker).username

    def ctl_run(*args: str) -> None:
        subprocess.run([ctl, "-q", *args], check=True, capture_output=True, timeout=60)

    ctl_run("add_vhost", vhost)
    try:
        ctl_run("set_permissions", "-p", vhost, user or "guest", ".*", ".*", ".*")
        scheme, _, location, _ = broker.split("/", 3)
        yield f"{scheme}//{location}/{vhost}"
    finally:
        ctl_run("delete_vhost", vhost)


def _warehouse_in(database_url: str) -> str:
    """The warehouse in a schema of its own in the fresh database (Dagster's tables are in `public`)."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE SCHEMA warehouse"))
    engine.dispose()
    return f"{database_url}?options=-csearch_path%3Dwarehouse"


INSTIGATORS = """
query Instigators($repo: RepositorySelector!) {
  repositoryOrError(repositorySelector: $repo) {
    __typename
    ... on Repository {
      sensors { name sensorState { id status } }
      schedules { name scheduleState { id status } }
    }
    ... on PythonError { message }
  }
}
"""
STOP_SENSOR = "mutation Stop($id: String!) { stopSensor(id: $id) { __typename } }"
STOP_SCHEDULE = "mutation Stop($id: String!) { stopRunningSchedule(id: $id) { __typename } }"
SET_POOL_LIMIT = """
mutation Limit($pool: String!, $limit: Int!) { setConcurrencyLimit(concurrencyKey: $pool, limit: $limit) }
"""


def _stop_every_instigator(stack: DagsterStack, location: str) -> None:
    """Sensors and schedules running by default would launch runs of their own onto the workers."""
    repo = {"repositoryLocationName": location, "repositoryName": "__repository__"}
    found = stack.graphql(INSTIGATORS, {"repo": repo})["repositoryOrError"]
    assert found["__typename"] == "Repository", found
    for kind, mutation, expected in (
        ("sensor", STOP_SENSOR, "StopSensorMutationResult"),
        ("schedule", STOP_SCHEDULE, "ScheduleStateResult"),
    ):
        for instigator in found[f"{kind}s"]:
            state = instigator[f"{kind}State"]
            if state["status"] == "RUNNING":
                stopped = stack.graphql(mutation, {"id": state["id"]})
                assert next(iter(stopped.values()))["__typename"] == expected, (instigator, stopped)


@dataclass
class CeleryStack:
    dagster: DagsterStack
    warehouse_url: str
    s3: dict[str, str]


@pytest.fixture(scope="module")
def celery_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryStack]:
    database = request.getfixturevalue("dagster_database")  # the UI test's fixture, imported above
    broker = os.environ.get(BROKER_ENV) or DEFAULT_BROKER
    backend = os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND
    _check_services(broker, backend)
    root = tmp_path_factory.mktemp("celery")
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.celery.yaml", dagster_home / "dagster.yaml")
    warehouse_url = _warehouse_in(database)
    # every process of the stack (webserver, daemon, workers) gets the same settings, as on real hosts
    settings = {
        **dict.fromkeys(("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"), "1"),
        "DAGSTER_HOME": dagster_home,
        "DAGSTER_PG_URL": database,
        "MARKETING_ENGINE_HOME": root / "engine_home",
        "MARKETING_ENGINE_ENV": "local",
        "MARKETING_ENGINE_WAREHOUSE_URL": warehouse_url,
        EXECUTOR_SWITCH: "celery",
        BACKEND_ENV: backend,
    }
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETING_ENGINE_", "DAGSTER_"))}
    env = inherited | {name: str(value) for name, value in settings.items()}
    port, location = _free_port(), ["-m", "marketing_engine.definitions", "-d", str(PROJECT_ROOT)]
    services: list[Service] = []
    base_url = f"http://127.0.0.1:{port}"
    stack = DagsterStack(base_url, dagster_home, database, root / "engine_home", services)
    with ExitStack() as cleanup:  # undone in reverse: the processes stop, then vhost and bucket go
        cleanup.callback(lambda: print(stack.logs()))  # shown by pytest only when a test failed
        env[BROKER_ENV] = cleanup.enter_context(_own_vhost(broker))
        # step logs to S3, as the deployment's instance says (moto_server stands in for S3)
        s3 = {**S3_SETTINGS, "AWS_ENDPOINT_URL_S3": cleanup.enter_context(moto_server(root))}
        s3_client(s3["AWS_ENDPOINT_URL_S3"]).create_bucket(Bucket=s3["MARKETING_ENGINE_IO_BUCKET"])
        env.update(s3)
        patch = cleanup.enter_context(pytest.MonkeyPatch.context())  # this process opens the instance too
        for name, value in s3.items():
            patch.setenv(name, value)
        with _dagster_instance(dagster_home, database):
            pass  # builds the schema once, before the processes race each other to create it
        cleanup.callback(Service.stop_all, services, 5.0)  # then SIGKILL: the database goes anyway
        webserver_argv = [str(VENV_BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), *location]
        services.append(Service.start("dagster-webserver", webserver_argv, env, root / "webserver.log"))
        workers = PROJECT_ROOT / "scripts" / "workers.sh"
        # what `make workers N=1 QUEUES=dagster NAME=general` and `... QUEUES=crawl NAME=crawler` run
        general, crawler = [str(workers), "1", "dagster", "general"], [str(workers), "1", "crawl", "crawler"]
        services.append(Service.start("general", general, env, root / "general.log"))
        services.append(Service.start("crawler", crawler, {**env, "CONCURRENCY": "2"}, root / "crawler.log"))
        _wait_until_up(stack, services[0])
        _stop_every_instigator(stack, _location_name(stack))
        limit = stack.graphql(SET_POOL_LIMIT, {"pool": CRAWLER_POOL, "limit": CRAWLER_LIMIT})
        assert limit == {"setConcurrencyLimit": True}, limit
        daemon_argv = [str(VENV_BIN / "dagster-daemon"), "run", *location]
        services.append(Service.start("dagster-daemon", daemon_argv, env, root / "daemon.log"))
        yield CeleryStack(stack, warehouse_url, s3)


@dataclass
class StepRecord:
    worker: str | None = None
    submitted: float | None = None
    started: float | None = None
    ended: float | None = None


def _steps(records: list[EventLogEntry]) -> dict[str, StepRecord]:
    """Per step: the worker that took it, when the run worker sent it, when it started and succeeded."""
    steps: dict[str, StepRecord] = {}
    for record in records:
        event = record.dagster_event
        if event is None or not event.step_key:
            continue
        step = steps.setdefault(event.step_key, StepRecord())
        if event.event_type == DagsterEventType.ENGINE_EVENT:
            metadata = event.engine_event_data.metadata
            if WORKER_KEY in metadata:
                step.worker = metadata[WORKER_KEY].value
            elif record.user_message.startswith("Submitting celery task"):
                step.submitted = record.timestamp
        elif event.event_type == DagsterEventType.STEP_START:
            step.started = record.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            step.ended = record.timestamp
    return steps


def _most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one time (one that ends as another starts: not both)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            for name in TABLES:
                table = Base.metadata.tables[name]
                columns = [c for c in table.columns if c.name not in NOT_COMPARED]
                found[name] = sorted(tuple(row) for row in connection.execute(select(*columns)))
    finally:
        engine.dispose()
    return found


def test_a_run_on_two_celery_workers_routes_by_queue_holds_the_crawler_pool_and_writes_the_warehouse(
    celery_stack: CeleryStack, engine_home: Path
) -> None:
    stack = celery_stack.dagster
    params = {
        "selector": {
            "repositoryLocationName": _location_name(stack),
            "repositoryName": "__repository__",
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": [name]} for name in ASSETS],
        },
        "executionMetadata": {"tags": [{"key": "launched_by", "value": "e2e-celery-test"}]},
    }
    launched = stack.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", f"{launched}\n{stack.logs()}"
    run_id = launched["run"]["runId"]
    status, seen = _wait_for_run(stack, run_id)
    assert status == "SUCCESS", f"statuses {seen}\n{stack.logs()}"
    assert seen[0] in ("QUEUED", "NOT_STARTED"), seen  # the daemon dequeued it

    with _dagster_instance(stack.dagster_home, stack.dagster_pg_url) as instance:
        records = instance.all_logs(run_id)
    steps = {key: step for key, step in _steps(records).items() if step.started is not None}
    for key, step in sorted(steps.items(), key=lambda item: item[1].started):
        print(f"{key}: {step}")  # shown when the test fails
    assert set(ASSETS) <= set(steps), sorted(steps)

    # Two distinct workers, each step on the worker of its queue.
    by_worker = {key: step.worker for key, step in steps.items()}
    expected = {key: CRAWLER if key in CRAWLS else GENERAL for key in steps}
    assert by_worker == expected, f"{by_worker}\n{stack.logs()}"

    # The crawler pool: never more than its limit at once, although the worker had room for two and
    # two crawls were ready together: the second was sent only once the first had ended.
    crawls = {key: steps[key] for key in CRAWLS}
    assert _most_at_once([(step.started, step.ended) for step in crawls.values()]) <= CRAWLER_LIMIT, crawls
    first, second = sorted((crawls[key] for key in TOGETHER), key=lambda step: step.started)
    ready = steps["brand_profile"].ended
    assert ready < first.ended <= second.submitted, (ready, first, second)

    # The workers' step logs are in the bucket, where the UI reads them from any machine.
    listed = s3_client(celery_stack.s3["AWS_ENDPOINT_URL_S3"]).list_objects_v2(
        Bucket=celery_stack.s3["MARKETING_ENGINE_IO_BUCKET"]
    )
    keys = [item["Key"] for item in listed.get("Contents", [])]
    logged = [key for key in keys if key.startswith(COMPUTE_LOGS_PREFIX) and run_id in key]
    # one log per step at least (the workers' stderr holds Dagster's own lines for each step)
    assert len({key.rsplit(".", 1)[0] for key in logged}) >= len(steps), keys

    # The warehouse rows are those the same assets write in one process.
    local = build_definitions().resolve_implicit_global_asset_job_def()
    in_process = local.execute_in_process(
        asset_selection=[AssetKey(name) for name in ASSETS], instance=DagsterInstance.ephemeral()
    )
    assert in_process.success
    distributed = _rows(celery_stack.warehouse_url)
    reference = _rows(f"sqlite:///{engine_home / 'warehouse.sqlite'}")
    assert all(reference[name] for name in TABLES), {name: len(rows) for name, rows in reference.items()}
    assert distributed == reference
