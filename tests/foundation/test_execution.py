"""The executor switch (MARKETING_ENGINE_EXECUTOR), the queues by kind of work, the workers' Celery app
and their start script. The real thing, on RabbitMQ with two workers, is tests/e2e/test_e2e_celery.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from dagster._serdes import serialize_value  # the stored form of a job snapshot

from marketing_engine.definitions import build_definitions
from marketing_engine.execution import (
    BACKEND_ENV,
    BROKER_ENV,
    CRAWL_QUEUE,
    DEFAULT_BACKEND,
    DEFAULT_BROKER,
    DEFAULT_QUEUE,
    EXECUTOR_SWITCH,
    QUEUE_TAG,
    VIDEO_QUEUE,
    celery_config,
    executor_from_env,
)
from marketing_engine.settings import PROJECT_ROOT

SECRET_BROKER = "amqp://engine:n0t-in-config@rabbit.internal:5672/prod"


def test_the_default_is_dagsters_own_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EXECUTOR_SWITCH, raising=False)
    assert executor_from_env() is None
    job = build_definitions("local").resolve_implicit_global_asset_job_def()
    assert job.executor_def.name == "multi_or_in_process_executor"


def test_celery_is_one_switch_and_a_password_in_the_broker_url_stays_out_of_the_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(EXECUTOR_SWITCH, " Celery ")
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    monkeypatch.setenv(BROKER_ENV, SECRET_BROKER)
    assert celery_config() == {"broker": {"env": BROKER_ENV}, "backend": DEFAULT_BACKEND}
    job = build_definitions("local").resolve_implicit_global_asset_job_def()
    assert job.executor_def.name == "celery"
    assert "n0t-in-config" not in serialize_value(job.get_job_snapshot())
    monkeypatch.delenv(BROKER_ENV)
    assert celery_config()["broker"] == DEFAULT_BROKER == "amqp://guest@127.0.0.1:5672//"


def test_an_unknown_executor_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EXECUTOR_SWITCH, "kubernetes")
    with pytest.raises(ValueError, match=r"EXECUTOR='kubernetes': expected one of multiprocess, celery"):
        executor_from_env()


def test_celery_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EXECUTOR_SWITCH, "celery")
    monkeypatch.setitem(sys.modules, "dagster_celery", None)  # as if the celery extra were not installed
    with pytest.raises(ImportError, match=r"needs the celery extra: pip install -e '.\[celery\]'"):
        executor_from_env()


def test_video_and_crawling_steps_carry_their_queue_and_nothing_else_does() -> None:
    from dagster_celery.defaults import task_default_queue
    from dagster_celery.tags import DAGSTER_CELERY_QUEUE_TAG

    assert (QUEUE_TAG, DEFAULT_QUEUE) == (DAGSTER_CELERY_QUEUE_TAG, task_default_queue)
    graph = build_definitions("local").resolve_asset_graph()
    queues: dict[str, set[str]] = {}
    for node in graph.asset_nodes:
        if not node.is_executable:
            continue
        op = node.assets_def.op
        expected = {"video": VIDEO_QUEUE}.get(node.group_name) or {"crawler": CRAWL_QUEUE}.get(op.pool)
        assert op.tags.get(QUEUE_TAG) == expected, (node.key.to_user_string(), op.tags)
        queues.setdefault(expected or DEFAULT_QUEUE, set()).add(node.key.to_user_string())
    assert {"rendered_videos", "voiceovers", "captions"} <= queues[VIDEO_QUEUE]
    assert {"link_prospects", "backlinks", "competitor_watch"} <= queues[CRAWL_QUEUE]
    assert "brand_profile" in queues[DEFAULT_QUEUE]


def test_the_workers_app_reads_its_broker_here_and_runs_dagsters_step_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from marketing_engine import workers

    monkeypatch.setenv(BROKER_ENV, SECRET_BROKER)
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    args = workers.app_args()
    assert (args["broker"], args["backend"]) == (SECRET_BROKER, DEFAULT_BACKEND)
    assert args["config_source"].worker_prefetch_multiplier == 1  # a busy worker holds no second step
    assert "execute_plan" in workers.app.tasks
    assert [queue.name for queue in workers.app.conf.task_queues] == [DEFAULT_QUEUE]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["0"], {}, "N=0 is not a positive whole number"),
        (["2", "video;rm -rf /"], {}, "QUEUES=video;rm -rf / is not a comma-separated list"),
        (["2", "video,"], {}, "QUEUES=video, is not a comma-separated list"),
        (["1", "video", "render farm"], {}, "NAME=render farm may hold only"),
        (["1", "video", "w"], {"CONCURRENCY": "many"}, "CONCURRENCY=many is not a positive whole number"),
    ],
)
def test_the_workers_script_refuses_bad_input_by_name(args: list[str], env: dict, message: str) -> None:
    argv, env = [str(PROJECT_ROOT / "scripts" / "workers.sh"), *args], {"PATH": "/usr/bin:/bin", **env}
    done = subprocess.run(argv, check=False, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    assert message in done.stderr and "started" not in done.stdout
